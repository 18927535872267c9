import "server-only";
import type { Database } from "@/lib/db";

/** A period's hard cap on a meter, e.g. the Free plan's monthly units. */
export interface QuotaKey {
  customerId: string;
  meter: string;
  periodStart: Date;
}

/**
 * Reserves `units` of a capped quota before a call runs. One statement, atomic in PostgreSQL and
 * PGlite alike: the conditional `ON CONFLICT DO UPDATE ... WHERE` locks the customer's row, so
 * concurrent calls are serialised on it and, with a cap of N, never let N + 1 units through.
 * Returns the units used after the reservation, or null when it would exceed the cap.
 */
export async function reserveQuota(
  db: Database,
  key: QuotaKey,
  units: number,
  cap: number,
): Promise<number | null> {
  const rows = await db.$queryRaw<{ units: bigint | number }[]>`
    INSERT INTO quota_counters (customer_id, meter, period_start, units)
    SELECT ${key.customerId}::uuid, ${key.meter}, ${key.periodStart}, ${units}::bigint
    WHERE ${units}::bigint <= ${cap}::bigint
    ON CONFLICT (customer_id, meter, period_start)
    DO UPDATE SET units = quota_counters.units + EXCLUDED.units
    WHERE quota_counters.units + EXCLUDED.units <= ${cap}::bigint
    RETURNING units`;
  const row = rows[0];
  return row ? Number(row.units) : null;
}

/** Gives back a reservation whose call was not billed (the handler failed or answered non-2xx). */
export async function releaseQuota(db: Database, key: QuotaKey, units: number): Promise<void> {
  await db.$executeRaw`
    UPDATE quota_counters SET units = GREATEST(units - ${units}::bigint, 0)
    WHERE customer_id = ${key.customerId}::uuid AND meter = ${key.meter} AND period_start = ${key.periodStart}`;
}
