import "server-only";
import type { Database } from "@/lib/db";
import { isDatabaseUnavailable } from "@/lib/db/database-unavailable";
import { Prisma } from "@/lib/generated/prisma/client";
import { log } from "@/lib/log";
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
 *
 * Rejects when the units were not recorded, and only then: a write whose answer was lost (the server
 * crashed or the connection broke around its COMMIT) is looked up before anyone is told it failed.
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

/**
 * Writes one group of increments. It runs in an explicit transaction whose id comes back with the
 * INSERT, so that when the COMMIT's answer is lost the outcome can be asked for: the server may have
 * committed before it died (test/faults/postgres-outage.int.test.ts crashes it under load). Counting
 * such a write as failed would refuse a call that was billed; writing it again would bill it twice.
 */
async function writeIncrements(db: Database, increments: Increment[]): Promise<void> {
  const rows = increments.map(
    (row) =>
      Prisma.sql`(${row.customerId}::uuid, ${row.meter}, ${row.windowStart}, ${row.units}::bigint, 0, now())`,
  );
  let transactionId: string | undefined;
  try {
    await db.$transaction(
      async (tx) => {
        const written = await tx.$queryRaw<{ xid: string }[]>`
          INSERT INTO usage_counters (customer_id, meter, window_start, units, reported_units, updated_at)
          VALUES ${Prisma.join(rows)}
          ON CONFLICT (customer_id, meter, window_start)
          DO UPDATE SET units = usage_counters.units + EXCLUDED.units, updated_at = now()
          RETURNING pg_current_xact_id()::text AS xid`;
        transactionId = written[0]?.xid;
      },
      // Waits for a pooled connection as long as a plain query would (the pg adapter's connect timeout).
      { maxWait: 5_000, timeout: 10_000 },
    );
  } catch (error) {
    // Without the INSERT's answer the COMMIT was never sent: nothing was written.
    if (transactionId === undefined || !isDatabaseUnavailable(error)) throw error;
    const outcome = await transactionOutcome(db, transactionId);
    if (outcome === "committed") return;
    if (outcome === "unknown") {
      // The database stayed away: the calls are refused, yet their units may have been committed.
      // Alert on this event; the transaction id settles it once the database is back.
      log.error("metering.record_outcome_unknown", { transactionId, error: errorMessage(error) });
    }
    throw error;
  }
}

/** How long a write whose COMMIT went unanswered waits for the database to say what became of it. */
const OUTCOME_TIMEOUT_MS = 15_000;

/**
 * What became of a transaction whose COMMIT went unanswered, asked with `pg_xact_status` (PostgreSQL's
 * function for this very case) once the database answers again. A transaction cut off by a crash reads
 * as aborted after recovery; one whose connection broke reads as in progress until the server notices.
 */
async function transactionOutcome(
  db: Database,
  transactionId: string,
): Promise<"committed" | "aborted" | "unknown"> {
  const deadline = Date.now() + OUTCOME_TIMEOUT_MS;
  for (let pause = 50; Date.now() < deadline; pause = Math.min(pause * 2, 1_000)) {
    await new Promise((resolve) => setTimeout(resolve, pause));
    try {
      const [row] = await db.$queryRaw<{ status: string | null }[]>`
        SELECT pg_xact_status(${transactionId}::xid8)::text AS status`;
      if (row?.status === "committed" || row?.status === "aborted") return row.status;
      if (row?.status !== "in progress") return "unknown"; // too old to know: never the case here
    } catch (error) {
      if (!isDatabaseUnavailable(error)) return "unknown";
    }
  }
  return "unknown";
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
