"use client";

import { CopyButton } from "@/components/copy-button";
import { SubmitButton } from "@/components/submit-button";
import { Notice } from "@/components/ui/notice";
import { useAnnouncedAction, type Announcement } from "@/components/use-announced-action";
import { ROLE_DESCRIPTIONS, roleLabel, type Role } from "@/lib/teams/roles";
import { inviteMemberAction, resendInvitationAction, type InviteState } from "./actions";

/** The invitation's link, shown once to the inviter so it works without email too. */
function InvitationLink({ state }: { state: InviteState }) {
  if (state.status === "error") {
    return (
      <Notice tone="error" role="alert" data-code={state.code}>
        {state.message}
      </Notice>
    );
  }
  if (state.status !== "invited") return null;
  return (
    <Notice tone="success" data-testid="invitation">
      <p className="font-medium">
        We email {state.email} an invitation as {roleLabel(state.role).toLowerCase()}. You can also send them
        this link; it works once, for {state.email} only, until {new Date(state.expiresAt).toUTCString()}.
      </p>
      <div className="mt-3 flex flex-wrap items-center gap-2 text-sm">
        <code className="font-mono break-all" data-testid="invitation-link">
          {state.link}
        </code>
        <CopyButton text={state.link} label="Copy link" />
      </div>
    </Notice>
  );
}

const INVITED: Announcement<Extract<InviteState, { status: "invited" }>> = {
  done: (invitation) => ({ title: "Invitation made", description: `Invited ${invitation.email}.` }),
  failed: "Nobody was invited",
};

/** Invite someone by email with one of the roles the inviter may grant. */
export function InviteForm({ roles }: { roles: Role[] }) {
  const [state, action] = useAnnouncedAction(inviteMemberAction, INVITED);
  return (
    <div className="space-y-4">
      <form action={action} className="flex flex-wrap items-end gap-4" aria-label="Invite a teammate">
        <div>
          <label htmlFor="invite-email" className="block text-sm font-medium">
            Email
          </label>
          <input
            id="invite-email"
            name="email"
            type="email"
            required
            placeholder="teammate@example.com"
            className="input mt-1 w-72"
          />
        </div>
        <div>
          <label htmlFor="invite-role" className="block text-sm font-medium">
            Role
          </label>
          <select id="invite-role" name="role" defaultValue="developer" className="input mt-1">
            {roles.map((role) => (
              <option key={role} value={role}>
                {roleLabel(role)}: {ROLE_DESCRIPTIONS[role]}
              </option>
            ))}
          </select>
        </div>
        <SubmitButton pendingText="Inviting…">Invite</SubmitButton>
      </form>
      <div aria-live="polite">
        <InvitationLink state={state} />
      </div>
    </div>
  );
}

/** Sends a pending invitation again with a new link (the old one stops working), shown once here. */
export function ResendButton({ id, email }: { id: string; email: string }) {
  const [state, action] = useAnnouncedAction(resendInvitationAction, INVITED);
  return (
    <form action={action} className="inline">
      <input type="hidden" name="id" value={id} />
      <SubmitButton pendingText="Resending…" className="btn-secondary">
        Resend<span className="sr-only"> the invitation of {email}</span>
      </SubmitButton>
      <div aria-live="polite" className="mt-2">
        <InvitationLink state={state} />
      </div>
    </form>
  );
}
