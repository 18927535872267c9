import "server-only";
import type Stripe from "stripe";
import type { Database } from "@/lib/db";
import { log } from "@/lib/log";

/** Stripe refuses meter events whose timestamp is older than this (35 days); keep a margin. */
const OLDEST_ACCEPTED_MS = 35 * 24 * 3_600_000 - 3_600_000;
/** Stripe's answer to an identifier it already has: proof the event was delivered. */
const DUPLICATE_IDENTIFIER = /already exists with identifier/i;

export interface ReportOptions {
  /** Counters planned and reports sent per run, at most. */
  batchSize?: number;
  /** Reports sent at once; each customer and meter gets one at a time (Stripe's v1 limit). */
  concurrency?: number;
  now?: () => Date;
}

/** What one reporter run did. */
export interface ReportSummary {
  /** New deltas written to the outbox. */
  planned: number;
  /** Reports Stripe accepted now. */
  sent: number;
  /** Reports Stripe already had (a retry after a crash, or another reporter): delivered. */
  duplicates: number;
  /** Reports that failed this time and stay pending. */
  failed: number;
  /** Reports too old for Stripe to accept: logged loudly and kept, never silently dropped. */
  expired: number;
  /** Reports waiting for their customer's Stripe customer id. */
  waiting: number;
}

interface PendingReport {
  identifier: string;
  customer_id: string;
  meter: string;
  window_start: Date;
  value: bigint | number;
  stripe_customer_id: string | null;
}

/**
 * Reports unreported usage to Stripe Billing Meters, exactly once.
 *
 * 1. Plan: in one transaction, each counter with `units > reportedUnits` gets an outbox row for the
 *    delta, with a deterministic identifier (`customer:meter:window:from-to`), and its `reportedUnits`
 *    advances. Rows are locked with SKIP LOCKED, so concurrent reporters plan disjoint deltas.
 * 2. Send: every pending outbox row becomes a meter event carrying that identifier. Stripe accepts an
 *    identifier once; a retry after a crash or a second reporter sending the same row gets "already
 *    exists", which counts as delivered. 429 and 5xx are retried by the SDK (maxNetworkRetries) and,
 *    failing that, on the next run.
 *
 * Deltas instead of month-to-date totals with `last` aggregation (Unkey's design): deltas keep the
 * meter a plain `sum`, so Stripe's own usage views, invoice lines and event summaries read naturally,
 * and the outbox gives the same exactly-once guarantee.
 */
export async function reportUsage(
  db: Database,
  stripe: Stripe,
  options: ReportOptions = {},
): Promise<ReportSummary> {
  const batchSize = options.batchSize ?? 500;
  const now = options.now ?? (() => new Date());
  const planned = await planReports(db, batchSize);
  const summary: ReportSummary = { planned, sent: 0, duplicates: 0, failed: 0, expired: 0, waiting: 0 };

  const pending = await db.$queryRaw<PendingReport[]>`
    SELECT r.identifier, r.customer_id, r.meter, r.window_start, r.value, c.stripe_customer_id
    FROM usage_reports r JOIN customers c ON c.id = r.customer_id
    WHERE r.status = 'pending'
    ORDER BY r.created_at
    LIMIT ${batchSize}`;

  // One call at a time per customer and meter (Stripe v1), several customers in parallel.
  const lanes = new Map<string, PendingReport[]>();
  for (const report of pending) {
    const lane = `${report.customer_id}:${report.meter}`;
    lanes.set(lane, [...(lanes.get(lane) ?? []), report]);
  }
  const queue = [...lanes.values()];
  const workers = Array.from({ length: Math.min(options.concurrency ?? 8, queue.length) }, async () => {
    for (let lane = queue.shift(); lane; lane = queue.shift()) {
      for (const report of lane) summary[await sendReport(db, stripe, report, now())] += 1;
    }
  });
  await Promise.all(workers);
  if (summary.failed + summary.expired > 0) log.error("metering.report_incomplete", { ...summary });
  return summary;
}

/** Writes an outbox row for every counter's unreported delta; returns how many. */
async function planReports(db: Database, batchSize: number): Promise<number> {
  return db.$transaction(async (tx) => {
    const counters = await tx.$queryRaw<
      { customer_id: string; meter: string; window_start: Date; units: bigint; reported_units: bigint }[]
    >`
      SELECT customer_id, meter, window_start, units, reported_units FROM usage_counters
      WHERE units > reported_units
      ORDER BY window_start
      LIMIT ${batchSize}
      FOR UPDATE SKIP LOCKED`;
    for (const counter of counters) {
      const identifier = reportIdentifier(
        counter.customer_id,
        counter.meter,
        counter.window_start,
        counter.reported_units,
        counter.units,
      );
      await tx.$executeRaw`
        INSERT INTO usage_reports (identifier, customer_id, meter, window_start, value)
        VALUES (${identifier}, ${counter.customer_id}::uuid, ${counter.meter}, ${counter.window_start}, ${counter.units - counter.reported_units})
        ON CONFLICT (identifier) DO NOTHING`;
      await tx.$executeRaw`
        UPDATE usage_counters SET reported_units = ${counter.units}
        WHERE customer_id = ${counter.customer_id}::uuid AND meter = ${counter.meter} AND window_start = ${counter.window_start}`;
    }
    return counters.length;
  });
}

/** The meter event identifier of one delta: the same delta always gets the same identifier. */
export function reportIdentifier(
  customerId: string,
  meter: string,
  windowStart: Date,
  from: bigint,
  to: bigint,
): string {
  return `tg:${customerId}:${meter}:${windowStart.getTime() / 1000}:${from}-${to}`;
}

type Outcome = "sent" | "duplicates" | "failed" | "expired" | "waiting";

async function sendReport(db: Database, stripe: Stripe, report: PendingReport, now: Date): Promise<Outcome> {
  if (!report.stripe_customer_id) return "waiting";
  if (now.getTime() - report.window_start.getTime() > OLDEST_ACCEPTED_MS) {
    log.error("metering.report_expired", {
      identifier: report.identifier,
      customerId: report.customer_id,
      meter: report.meter,
      value: String(report.value),
      windowStart: report.window_start.toISOString(),
    });
    await mark(db, report.identifier, "expired", "older than Stripe accepts (35 days)");
    return "expired";
  }
  try {
    await stripe.billing.meterEvents.create({
      event_name: report.meter,
      identifier: report.identifier,
      timestamp: Math.floor(report.window_start.getTime() / 1000),
      payload: { stripe_customer_id: report.stripe_customer_id, value: String(report.value) },
    });
    await mark(db, report.identifier, "sent");
    return "sent";
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (DUPLICATE_IDENTIFIER.test(message)) {
      await mark(db, report.identifier, "sent");
      return "duplicates";
    }
    log.warn("metering.report_failed", { identifier: report.identifier, error: message });
    await db.$executeRaw`
      UPDATE usage_reports SET attempts = attempts + 1, last_error = ${message.slice(0, 500)}
      WHERE identifier = ${report.identifier}`;
    return "failed";
  }
}

async function mark(
  db: Database,
  identifier: string,
  status: "sent" | "expired",
  lastError?: string,
): Promise<void> {
  await db.$executeRaw`
    UPDATE usage_reports SET status = ${status}, attempts = attempts + 1, sent_at = now(), last_error = ${lastError ?? null}
    WHERE identifier = ${identifier}`;
}
