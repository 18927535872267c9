import "server-only";
import type { Database } from "@/lib/db";
// The modules, not lib/email's index: that pulls in the email jobs, which read billing.
import { recordInvitationEmail } from "@/lib/email/invitation";
import { sendRecordedEmailsAfterResponse, type EmailToSend } from "@/lib/email/send-email-once";
import { invitationPath, type IssuedInvitation, type OnInvitationIssued } from "./invitations";
import { roleLabel } from "./roles";

/** Who sends an invitation, and where its link points. */
export interface InvitationSender {
  appBaseUrl: string;
  customerId: string;
  inviterName: string;
}

/**
 * Issues an invitation with `issue` (`createInvitation` or `resendInvitation`, handed the hook), its
 * email recorded in the same transaction and sent after the response, once; a send that fails or dies
 * with the process is left to the email job. Returns the invitation and its whole link, which the
 * inviter is shown once, so it works without email too.
 *
 * @example await issueInvitationWithEmail(db, (onIssued) => createInvitation(db, actor, request, undefined, onIssued), sender)
 */
export async function issueInvitationWithEmail(
  db: Database,
  issue: (onIssued: OnInvitationIssued) => Promise<IssuedInvitation>,
  sender: InvitationSender,
): Promise<{ invitation: IssuedInvitation; link: string }> {
  const linkOf = (token: string) => `${sender.appBaseUrl.replace(/\/$/, "")}${invitationPath(token)}`;
  const recorded: EmailToSend[] = [];
  const invitation = await issue(async (tx, issued) => {
    const email = await recordInvitationEmail(
      tx,
      { ...issued, role: roleLabel(issued.role), link: linkOf(issued.token) },
      sender,
    );
    if (email) recorded.push(email);
  });
  sendRecordedEmailsAfterResponse(db, recorded);
  return { invitation, link: linkOf(invitation.token) };
}
