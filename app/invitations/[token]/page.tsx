import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { redirect } from "next/navigation";
import { Notice } from "@/components/ui/notice";
import { signInUrl } from "@/lib/auth/return-to";
import { getSession, requireAccount } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { formatDateTime } from "@/lib/format";
import { TeamError } from "@/lib/teams/errors";
import { findInvitation, invitationPath, type InvitationView } from "@/lib/teams/invitations";
import { ROLE_DESCRIPTIONS, roleLabel } from "@/lib/teams/roles";
import { AcceptForm } from "./accept-form";

// The link's token is its only secret: no Referer carries it to another site.
export const metadata: Metadata = { title: "Invitation", referrer: "no-referrer" };

// GET /invitations/:token – an invitation to a team: signed out, sign in (or up) and come back; then
// join it, or read why not (another address, expired, withdrawn, used)
export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  if (!(await getSession())) redirect(signInUrl(invitationPath(token)));
  const account = await requireAccount();
  let invitation: InvitationView;
  try {
    invitation = await findInvitation(getDb(), token);
  } catch (error) {
    if (!(error instanceof TeamError)) throw error;
    return (
      <Frame title="This invitation cannot be used">
        <Notice tone="error" role="alert" data-code={error.code}>
          {error.message}
        </Notice>
        <p>
          <Link href="/dashboard">Go to your dashboard</Link>
        </p>
      </Frame>
    );
  }
  const intro = (
    <p>
      {invitation.invitedBy ?? "A member"} invited <strong>{invitation.email}</strong> to join{" "}
      <strong>{invitation.teamName}</strong> as <strong>{roleLabel(invitation.role).toLowerCase()}</strong>:{" "}
      {ROLE_DESCRIPTIONS[invitation.role].toLowerCase()}
    </p>
  );
  if (invitation.email !== account.email.toLowerCase()) {
    return (
      <Frame title={`Join ${invitation.teamName}`}>
        {intro}
        <Notice tone="warning" role="alert" data-code="ERR_INVITATION_WRONG_EMAIL">
          This invitation is for {invitation.email}, and you are signed in as {account.email}. Only{" "}
          {invitation.email} can accept it. <a href="/auth/logout">Sign out</a> and sign in as{" "}
          {invitation.email}, or ask the team to invite {account.email}.
        </Notice>
      </Frame>
    );
  }
  return (
    <Frame title={`Join ${invitation.teamName}`}>
      {intro}
      <p className="muted">
        You will share the team&apos;s plan, API keys and usage, and can switch back to your other teams at
        any time. The invitation is valid until {formatDateTime(invitation.expiresAt)}.
      </p>
      <AcceptForm token={token} teamName={invitation.teamName} />
    </Frame>
  );
}

function Frame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="mx-auto max-w-2xl space-y-5 px-4 py-12">
      <h1 className="text-2xl font-bold">{title}</h1>
      {children}
    </main>
  );
}
