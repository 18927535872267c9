import "server-only";

export { sendEmailOnce, sendPendingEmails, MAX_EMAIL_ATTEMPTS } from "./send-email-once";
export type { EmailToSend, SendOutcome, PendingEmailsSummary } from "./send-email-once";
export { createMailer, getMailer, mailerKey, type Mailer, type OutgoingEmail } from "./mailer";
export {
  invitationEmail,
  paymentFailedEmail,
  usageThresholdEmail,
  apiKeyExpiringEmail,
  type EmailContent,
} from "./templates";
