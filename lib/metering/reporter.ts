import "server-only";
import { getDeadline } from "@vercel/functions";
import { afterResponse } from "@/lib/after-response";
import { runEmailJobs } from "@/lib/email/email-jobs";
import { getStripe } from "@/lib/billing/stripe";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";
import { processSingleton } from "@/lib/process-state";
import { withJobLease } from "./job-lease";
import { reportUsage, type ReportSummary } from "./report-usage";

/** The job lease one reporter run holds at a time across instances (its row says when runs started and ended). */
export const REPORTER_LEASE = "usage-reporter";
/** Time kept back from a platform's invocation deadline for the run's last batch and its bookkeeping. */
const DEADLINE_MARGIN_MS = 10_000;
/** How long past its budget a run may still hold the lease (a batch in flight, Stripe's retries). */
const LEASE_GRACE_MS = 30_000;

/** What a guarded run did: its summary, or that another instance's run held the lease. */
export type ReporterRun =
  ({ ran: true } & ReportSummary) | { ran: false; reason: "another reporter is running" };

/**
 * One reporter run with the app's database and Stripe client, at most one at a time across all
 * instances (a lease row in Postgres), for at most `budgetMs` (default USAGE_REPORT_BUDGET_SECONDS)
 * and never past the platform's deadline for this invocation (Vercel's `maxDuration`).
 */
export async function runUsageReport(
  budgetMs = getConfig().usageReport.budgetSeconds * 1000,
): Promise<ReporterRun> {
  const platformDeadline = getDeadline()?.getTime();
  const deadline = Math.min(
    Date.now() + budgetMs,
    platformDeadline === undefined ? Infinity : platformDeadline - DEADLINE_MARGIN_MS,
  );
  const db = getDb();
  const api = getConfig().stripe.meterEventsApi;
  const outcome = await withJobLease(db, REPORTER_LEASE, deadline - Date.now() + LEASE_GRACE_MS, () =>
    reportUsage(db, getStripe(), { deadline, api }),
  );
  if (!outcome.ran) return { ran: false, reason: "another reporter is running" };
  const summary = outcome.result;
  if (summary.planned + summary.sent + summary.duplicates > 0 || !summary.drained) {
    log.info("metering.reported", { ...summary });
  }
  return { ran: true, ...summary };
}

interface TriggerState {
  /** When this instance last started a run (ms since the epoch). */
  startedAt: number;
  running: boolean;
}

/**
 * Starts a reporter run after the current response when this instance has not started one within
 * USAGE_REPORT_INTERVAL_SECONDS: called after every metered answer, so usage reaches Stripe within
 * about a minute while traffic flows, with no scheduler at all. The run goes on after the answer is
 * sent (`after`), and the lease keeps it to one run at a time across instances.
 */
export function reportUsageSoon(): void {
  const { intervalSeconds } = getConfig().usageReport;
  const trigger = processSingleton<TriggerState>("reporter:trigger", () => ({
    startedAt: 0,
    running: false,
  }));
  if (intervalSeconds === 0 || trigger.running || Date.now() - trigger.startedAt < intervalSeconds * 1000)
    return;
  trigger.startedAt = Date.now();
  trigger.running = true;
  afterResponse("metering.reporter", async () => {
    try {
      await runUsageReport();
    } finally {
      trigger.running = false;
    }
  });
  // Usage alerts are due as usage grows: the email job runs on the same beat (and timer), off the request path.
  afterResponse("email.job", () => runEmailJobs());
}

/**
 * Also reports on a timer inside a long-running server (`npm start`, `npm run dev`), so usage that
 * arrived just before traffic stopped is not left waiting for the next call; started once per process
 * from instrumentation.ts. Serverless hosts have no timers between requests: there the daily cron
 * route is the backstop (vercel.json).
 */
export function startReporterTimer(): void {
  const { timer, intervalSeconds } = getConfig().usageReport;
  if (!timer) return;
  processSingleton("reporter:timer", () => {
    const handle = setInterval(reportUsageSoon, intervalSeconds * 1000);
    handle.unref();
    return handle;
  });
}
