import "server-only";
import { log } from "@/lib/log";
import { getMailer, type Mailer } from "./mailer";
import { recordEmail, type EmailStore, type EmailToSend } from "./send-email-once";
import { invitationEmail } from "./templates";

/** What the invitation email needs of a new (or resent) invitation. */
export interface InvitationToEmail {
  id: string;
  email: string;
  teamName: string;
  /** The role's label, e.g. "Developer". */
  role: string;
  expiresAt: Date;
  /** The whole link with its token: it is in the email and nowhere else. */
  link: string;
}

/**
 * Records the email that invites someone, once per invitation (cause `invitation:<id>`; a resend is a
 * new invitation with a new link). Called in the transaction that issues the invitation, so the two
 * commit together; returns the email to send after the commit (`sendRecordedEmail`), or null when
 * there is no relay (the inviter still has the link to pass on) or it was already recorded.
 */
export async function recordInvitationEmail(
  tx: EmailStore,
  invitation: InvitationToEmail,
  from: { customerId: string; inviterName: string },
  mailer: Mailer | null = getMailer(),
): Promise<EmailToSend | null> {
  const cause = `invitation:${invitation.id}`;
  if (!mailer) {
    log.warn("email.disabled", { kind: "invitation", cause });
    return null;
  }
  const email: EmailToSend = {
    cause,
    kind: "invitation",
    customerId: from.customerId,
    to: invitation.email,
    ...invitationEmail({
      teamName: invitation.teamName,
      inviterName: from.inviterName,
      role: invitation.role,
      acceptUrl: invitation.link,
      expiresAt: invitation.expiresAt,
    }),
  };
  return (await recordEmail(tx, email)) ? email : null;
}
