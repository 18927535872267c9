import "server-only";
import Stripe from "stripe";
import type { Database } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import {
  SETTLE_MS,
  applyVerdicts,
  judgeReports,
  meterIdsByEventName,
  type SettleCounts,
  type UncertainReport,
} from "./settle-reports";

/**
 * Codes of Stripe's meter error reports whose cause can go away without a change to our events: the
 * customer exists later (or the row is linked to another one), the meter is reactivated or created, the
 * clocks agree again. The others (no customer key, a bad value, dimensions) need a code change: those
 * reports stay rejected. `timestamp_too_far_in_past` never comes back: those are marked expired.
 */
export const RETRYABLE_CODES = [
  "meter_event_customer_not_found",
  "archived_meter",
  "no_meter",
  "timestamp_in_future",
] as const;

/** A rejected report is asked about at most this often while its cause remains. */
const RECHECK_MS = 15 * 60_000;
const RETRY_BATCH = 200;

/**
 * Sends again what Stripe dropped once the cause is gone: rejected reports with a retryable code, and
 * suspect ones (sent while Stripe dropped events it did not name), whose meter is active and whose
 * Stripe customer exists now. Each is first settled against Stripe's totals (`judgeReports`), so a
 * report is sent again, under a new identifier, only when Stripe certainly holds none of it; one
 * Stripe turns out to hold is marked sent.
 */
export async function retryRejectedReports(
  db: Database,
  stripe: Stripe,
  now: Date,
  deadline: number,
): Promise<SettleCounts> {
  const none: SettleCounts = { held: 0, resent: 0, unverified: 0 };
  const candidates = await db.$queryRaw<UncertainReport[]>`
    SELECT r.identifier, r.customer_id, c.stripe_customer_id, r.meter, r.window_start, r.value
    FROM usage_reports r JOIN customers c ON c.id = r.customer_id
    WHERE (r.status = 'suspect' OR (r.status = 'rejected' AND r.reject_code IN (${Prisma.join([...RETRYABLE_CODES])})))
      AND c.stripe_customer_id IS NOT NULL
      AND (r.checked_at IS NULL OR r.checked_at <= ${new Date(now.getTime() - RECHECK_MS)})
      AND (r.last_attempt_at IS NULL OR r.last_attempt_at <= ${new Date(now.getTime() - SETTLE_MS)})
    ORDER BY r.window_start
    LIMIT ${RETRY_BATCH}`;
  if (candidates.length === 0 || Date.now() >= deadline) return none;

  const meters = await meterIdsByEventName(stripe);
  const customers = new Map<string, boolean>();
  for (const stripeCustomerId of new Set(candidates.map((report) => report.stripe_customer_id))) {
    customers.set(stripeCustomerId, await customerExists(stripe, stripeCustomerId));
  }
  const ready = candidates.filter(
    (report) =>
      meters.get(report.meter)?.active === true && customers.get(report.stripe_customer_id) === true,
  );
  const waiting = candidates.filter((report) => !ready.includes(report));
  if (waiting.length > 0) {
    await db.$executeRaw`
      UPDATE usage_reports SET checked_at = ${now}
      WHERE identifier IN (${Prisma.join(waiting.map((report) => report.identifier))})`;
  }
  if (ready.length === 0) return none;
  const verdicts = await judgeReports(db, stripe, ready, now, meters);
  return applyVerdicts(db, ready, verdicts, ["rejected", "suspect"], now);
}

async function customerExists(stripe: Stripe, id: string): Promise<boolean> {
  try {
    const customer = await stripe.customers.retrieve(id);
    return customer.deleted !== true;
  } catch (error) {
    // Not found is an answer; any other failure means "not now": the report waits for the next check.
    if (!(error instanceof Stripe.errors.StripeError)) throw error;
    return false;
  }
}
