import "server-only";
import type { Database } from "@/lib/db";
import { usageWindowStart } from "./usage-window";

/** One admitted call's usage. */
export interface UsageRecord {
  customerId: string;
  meter: string;
  units: number;
  at: Date;
  /** Start of the customer's current billing period (see `usageWindowStart`). */
  periodStart: Date;
}

/**
 * Adds a call's units to its customer's counter for the meter and window, atomically (one
 * `INSERT ... ON CONFLICT DO UPDATE`), and returns once it is committed: the default, durable mode,
 * so an answered call is never lost. The reporter sends the difference to Stripe later.
 */
export async function recordUsage(db: Database, usage: UsageRecord): Promise<void> {
  if (!Number.isInteger(usage.units) || usage.units < 0)
    throw new RangeError(`invalid units: ${usage.units}`);
  if (usage.units === 0) return;
  const windowStart = usageWindowStart(usage.at, usage.periodStart);
  await db.$executeRaw`
    INSERT INTO usage_counters (customer_id, meter, window_start, units, reported_units, updated_at)
    VALUES (${usage.customerId}::uuid, ${usage.meter}, ${windowStart}, ${usage.units}, 0, now())
    ON CONFLICT (customer_id, meter, window_start)
    DO UPDATE SET units = usage_counters.units + EXCLUDED.units, updated_at = now()`;
}
