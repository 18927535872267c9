import "server-only";

export {
  sendEmailOnce,
  recordEmail,
  sendRecordedEmail,
  sendRecordedEmailsAfterResponse,
  sendPendingEmails,
  withoutSecrets,
  MAX_EMAIL_ATTEMPTS,
} from "./send-email-once";
export type { EmailStore, EmailToSend, SendOutcome, PendingEmailsSummary } from "./send-email-once";
export { createMailer, getMailer, mailerKey, type Mailer, type OutgoingEmail } from "./mailer";
export {
  invitationEmail,
  paymentFailedEmail,
  usageThresholdEmail,
  apiKeyExpiringEmail,
  type EmailContent,
} from "./templates";
export { runEmailJobs, EMAIL_JOB_LEASE, type EmailJobRun } from "./email-jobs";
export { recordPaymentFailedEmail } from "./payment-failed";
export { recordInvitationEmail, type InvitationToEmail } from "./invitation";
export { sendUsageAlerts } from "./usage-alerts";
export { sendKeyExpiryNotices } from "./expiring-keys";
export { teamRecipients, BILLING_ROLES, KEY_ROLES } from "./recipients";
