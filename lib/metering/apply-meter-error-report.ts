import "server-only";
import type Stripe from "stripe";
import { z } from "zod";
import type { Database } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { log } from "@/lib/log";
import { RETRYABLE_CODES } from "./settle-reports";

/** Stripe's meter error reports: for a meter's events, and for events that named no meter. */
export type MeterErrorReportEvent =
  Stripe.Events.V1BillingMeterErrorReportTriggeredEvent | Stripe.Events.V1BillingMeterNoMeterFoundEvent;

/** What the handler did with one report, for the receipt. */
export interface MeterErrorReportOutcome {
  outcome: "applied" | "duplicate";
  actions: string[];
}

/** The report's `data`, checked at the boundary: only the fields acted on. */
const reportData = z.object({
  validation_start: z.iso.datetime({ offset: true }),
  validation_end: z.iso.datetime({ offset: true }),
  reason: z.object({
    error_count: z.number().int().nonnegative(),
    error_types: z.array(
      z.object({
        code: z.string(),
        error_count: z.number().int().nonnegative(),
        sample_errors: z.array(
          z.object({ error_message: z.string(), request: z.object({ identifier: z.string() }) }),
        ),
      }),
    ),
  }),
});

/**
 * Our sends that may be among the drops Stripe did not name: Stripe validates within seconds to
 * minutes of receiving an event, so sends from this long before the validation window to a minute
 * after it. Too wide costs only Stripe calls: `settleReports` returns the held ones to `sent`.
 */
const SENT_BEFORE_VALIDATION_MS = 15 * 60_000;
const SENT_AFTER_VALIDATION_MS = 60_000;

const RETRYABLE: ReadonlySet<string> = new Set(RETRYABLE_CODES);

interface MarkedReport {
  identifier: string;
  customer_id: string;
  meter: string;
  value: bigint;
  window_start: Date;
  status: string;
}

/**
 * Applies a meter error report once (its event id is stored with the effects): each report Stripe
 * names becomes `rejected` with the code and message (or `expired` for `timestamp_too_far_in_past`,
 * which can never be sent again), and is logged as `metering.report_rejected`. Stripe names only a
 * few sample events per code; when it counts more errors than it names, the reports of that meter
 * sent around the validation window become `suspect`, and `settleReports` settles them against
 * Stripe's totals. Nothing is sent from here: the reporter's next run retries what can be retried.
 */
export async function applyMeterErrorReport(
  db: Database,
  stripe: Stripe,
  event: MeterErrorReportEvent,
): Promise<MeterErrorReportOutcome> {
  const parsed = reportData.safeParse(event.data);
  if (!parsed.success) {
    log.error("metering.error_report_unreadable", { eventId: event.id, error: parsed.error.message });
    return { outcome: "applied", actions: ["unreadable report: nothing marked"] };
  }
  const data = parsed.data;
  const samples = data.reason.error_types.flatMap((type) =>
    type.sample_errors.map((sample) => ({
      code: type.code,
      message: sample.error_message,
      identifier: sample.request.identifier,
    })),
  );
  const unnamed = data.reason.error_types.reduce(
    (sum, type) => sum + Math.max(0, type.error_count - type.sample_errors.length),
    0,
  );
  // The meter's event name narrows the suspects; a fresh read, not the notification's word.
  const eventName =
    unnamed > 0 && event.type === "v1.billing.meter.error_report_triggered"
      ? (await stripe.billing.meters.retrieve(event.related_object.id)).event_name
      : undefined;

  const result = await db.$transaction(async (tx) => {
    const inserted = await tx.stripeEvent.createMany({
      data: [{ id: event.id, type: event.type }],
      skipDuplicates: true,
    });
    if (inserted.count === 0) return null;
    let marked: MarkedReport[] = [];
    if (samples.length > 0) {
      const rows = samples.map(
        (sample) =>
          Prisma.sql`(${sample.identifier}, ${sample.code}, ${sample.message.slice(0, 500)}, ${sample.code === "timestamp_too_far_in_past" ? "expired" : "rejected"})`,
      );
      marked = await tx.$queryRaw<MarkedReport[]>`
        UPDATE usage_reports r
        SET status = v.status, reject_code = v.code, last_error = v.message, checked_at = NULL
        FROM (VALUES ${Prisma.join(rows)}) AS v (identifier, code, message, status)
        WHERE r.identifier = v.identifier AND r.status IN ('pending', 'sent', 'suspect')
        RETURNING r.identifier, r.customer_id, r.meter, r.value, r.window_start, r.status`;
    }
    let suspects = 0;
    if (unnamed > 0) {
      const from = new Date(Date.parse(data.validation_start) - SENT_BEFORE_VALIDATION_MS);
      const to = new Date(Date.parse(data.validation_end) + SENT_AFTER_VALIDATION_MS);
      const reason = `Stripe dropped ${unnamed} events it did not name (${event.id}); this one was sent then`;
      suspects = await tx.$executeRaw`
        UPDATE usage_reports SET status = 'suspect', last_error = ${reason}, checked_at = NULL
        WHERE status IN ('sent', 'pending') AND last_attempt_at IS NOT NULL
          AND GREATEST(last_attempt_at, sent_at) BETWEEN ${from} AND ${to}
          AND (${eventName ?? null}::text IS NULL OR meter = ${eventName ?? null})`;
    }
    return { marked, suspects };
  });
  if (!result) return { outcome: "duplicate", actions: [] };

  const byIdentifier = new Map(samples.map((sample) => [sample.identifier, sample]));
  for (const report of result.marked) {
    const sample = byIdentifier.get(report.identifier);
    log.error("metering.report_rejected", {
      eventId: event.id,
      identifier: report.identifier,
      customerId: report.customer_id,
      meter: report.meter,
      value: String(report.value),
      windowStart: report.window_start.toISOString(),
      code: sample?.code,
      reason: sample?.message,
      status: report.status,
      retry: report.status === "rejected" && RETRYABLE.has(sample?.code ?? ""),
    });
  }
  const unmatched = samples.length - result.marked.length;
  if (unnamed > 0 || unmatched > 0) {
    log.error("metering.report_rejected", {
      eventId: event.id,
      meter: eventName,
      unnamed,
      suspects: result.suspects,
      unmatched,
      validationStart: data.validation_start,
      validationEnd: data.validation_end,
    });
  }
  return {
    outcome: "applied",
    actions: [
      ...result.marked.map((report) => `${report.status} ${report.identifier}`),
      ...(result.suspects > 0 ? [`suspect ${result.suspects} reports sent in the validation window`] : []),
      ...(unmatched > 0 ? [`${unmatched} identifiers not in the outbox or already settled`] : []),
    ],
  };
}
