import "server-only";
import { getStripe } from "@/lib/billing/stripe";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";
import { reportUsage, type ReportSummary } from "./report-usage";

const globalForReporter = globalThis as typeof globalThis & { tollgateReporter?: NodeJS.Timeout };

/** One reporter run with the app's database and Stripe client, logged. */
export async function runUsageReport(): Promise<ReportSummary> {
  const summary = await reportUsage(getDb(), getStripe());
  if (summary.planned + summary.sent + summary.duplicates > 0) log.info("metering.reported", { ...summary });
  return summary;
}

/**
 * Reports usage every `usageReportIntervalSeconds` inside a long-running server (`npm run dev`,
 * `npm start`); started once per process from instrumentation.ts. Runs never overlap, and a failed run
 * is logged and retried at the next tick: the outbox keeps everything until Stripe has it.
 */
export function startReporterLoop(): void {
  const seconds = getConfig().usageReportIntervalSeconds;
  if (seconds === 0 || globalForReporter.tollgateReporter) return;
  let running = false;
  globalForReporter.tollgateReporter = setInterval(() => {
    if (running) return;
    running = true;
    runUsageReport()
      .catch((error: unknown) => log.error("metering.reporter_failed", { error: String(error) }))
      .finally(() => {
        running = false;
      });
  }, seconds * 1000);
  globalForReporter.tollgateReporter.unref();
}
