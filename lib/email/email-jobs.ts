import "server-only";
import { getDb, type Database } from "@/lib/db";
import { log } from "@/lib/log";
import { withJobLease } from "@/lib/metering/job-lease";
import { sendKeyExpiryNotices } from "./expiring-keys";
import { getMailer, type Mailer } from "./mailer";
import { sendPendingEmails, type PendingEmailsSummary } from "./send-email-once";
import { sendUsageAlerts } from "./usage-alerts";

/** The job lease one email run holds at a time across instances. */
export const EMAIL_JOB_LEASE = "email-jobs";
const LEASE_MS = 5 * 60_000;

/** What one run of the email job did. */
export type EmailJobRun =
  | { ran: true; usageAlerts: number; keyNotices: number; retried: PendingEmailsSummary }
  | { ran: false; reason: "emails are off" | "another email job is running" };

/**
 * The periodic email work, one run at a time across instances: usage alerts (80% and 100% of the
 * period's limit), notices of keys expiring within seven days, and retries of failed sends. Each
 * email goes out once per cause, so runs may overlap with earlier ones' effects and repeat freely.
 * Started with the usage reporter (after metered answers, and on its timer in a long-running server)
 * and by the daily cron route (vercel.json).
 */
export async function runEmailJobs(
  options: { db?: Database; mailer?: Mailer | null; now?: Date } = {},
): Promise<EmailJobRun> {
  const db = options.db ?? getDb();
  const mailer = options.mailer === undefined ? getMailer() : options.mailer;
  if (!mailer) return { ran: false, reason: "emails are off" };
  const now = options.now;
  const outcome = await withJobLease(db, EMAIL_JOB_LEASE, LEASE_MS, async () => {
    const usage = await sendUsageAlerts(db, { now, mailer });
    const keys = await sendKeyExpiryNotices(db, { now, mailer });
    const retried = await sendPendingEmails(db, mailer, { now });
    return { usageAlerts: usage.sent.length, keyNotices: keys.length, retried };
  });
  if (!outcome.ran) return { ran: false, reason: "another email job is running" };
  const run = { ran: true as const, ...outcome.result };
  if (run.usageAlerts + run.keyNotices + run.retried.sent + run.retried.failed > 0) {
    log.info("email.job", { ...run.retried, usageAlerts: run.usageAlerts, keyNotices: run.keyNotices });
  }
  return run;
}
