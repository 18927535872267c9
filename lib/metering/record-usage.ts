import "server-only";
import type { Database } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
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

interface Increment {
  customerId: string;
  meter: string;
  windowStart: Date;
  units: number;
}

interface Recorder {
  queued: Map<string, Increment>;
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
  flushing: boolean;
}

const recorders = new WeakMap<Database, Recorder>();

/**
 * Adds a call's units to its customer's counter for the meter and window, and resolves once they are
 * committed: the default, durable mode, so an answered call is never lost. The reporter sends the
 * difference to Stripe later.
 *
 * Group commit: while one write is in flight, the calls that arrive meanwhile are summed per counter
 * and written together by the next single `INSERT ... ON CONFLICT DO UPDATE`; each call still waits for
 * the commit that includes its units. Alone, a call is written at once; under load, one statement
 * carries many calls. (An append-only table would need the same statement per call plus an aggregation
 * job; summing in place keeps one row per customer, meter and hour.)
 */
export function recordUsage(db: Database, usage: UsageRecord): Promise<void> {
  if (!Number.isInteger(usage.units) || usage.units < 0) {
    return Promise.reject(new RangeError(`invalid units: ${usage.units}`));
  }
  if (usage.units === 0) return Promise.resolve();
  let recorder = recorders.get(db);
  if (!recorder) {
    recorder = { queued: new Map(), waiters: [], flushing: false };
    recorders.set(db, recorder);
  }
  const windowStart = usageWindowStart(usage.at, usage.periodStart);
  const key = `${usage.customerId}|${usage.meter}|${windowStart.getTime()}`;
  const queued = recorder.queued.get(key);
  if (queued) queued.units += usage.units;
  else
    recorder.queued.set(key, {
      customerId: usage.customerId,
      meter: usage.meter,
      windowStart,
      units: usage.units,
    });
  const committed = new Promise<void>((resolve, reject) => recorder.waiters.push({ resolve, reject }));
  if (!recorder.flushing) void flush(db, recorder);
  return committed;
}

async function flush(db: Database, recorder: Recorder): Promise<void> {
  recorder.flushing = true;
  while (recorder.queued.size > 0) {
    const increments = [...recorder.queued.values()];
    const waiters = recorder.waiters;
    recorder.queued = new Map();
    recorder.waiters = [];
    try {
      await writeIncrements(db, increments);
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
  }
  recorder.flushing = false;
}

function writeIncrements(db: Database, increments: Increment[]): Promise<number> {
  const rows = increments.map(
    (row) =>
      Prisma.sql`(${row.customerId}::uuid, ${row.meter}, ${row.windowStart}, ${row.units}::bigint, 0, now())`,
  );
  return db.$executeRaw`
    INSERT INTO usage_counters (customer_id, meter, window_start, units, reported_units, updated_at)
    VALUES ${Prisma.join(rows)}
    ON CONFLICT (customer_id, meter, window_start)
    DO UPDATE SET units = usage_counters.units + EXCLUDED.units, updated_at = now()`;
}
