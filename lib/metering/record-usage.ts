import "server-only";
import { randomUUID } from "node:crypto";
import { afterResponse } from "@/lib/after-response";
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
  /**
   * Who made the call (`credentialOf` in ./usage-credentials.ts): its units are also counted per
   * credential and UTC day, for the usage API's view by key. Absent: counted for billing only.
   */
  credential?: string;
}

interface Increment {
  customerId: string;
  meter: string;
  windowStart: Date;
  units: number;
}

/** Units of one credential on one UTC day (`YYYY-MM-DD`), beside the billed counters. */
interface Attribution {
  customerId: string;
  credential: string;
  meter: string;
  day: string;
  units: number;
}

interface Recorder {
  queued: Map<string, Increment>;
  attributed: Map<string, Attribution>;
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
  flushing: boolean;
  /** When old write markers were last pruned (ms since the epoch). */
  prunedAt: number;
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
 * crashed or the connection broke mid-statement) is looked up before anyone is told it failed.
 */
export function recordUsage(db: Database, usage: UsageRecord): Promise<void> {
  if (!Number.isInteger(usage.units) || usage.units < 0) {
    return Promise.reject(new RangeError(`invalid units: ${usage.units}`));
  }
  if (usage.units === 0) return Promise.resolve();
  let recorder = recorders.get(db);
  if (!recorder) {
    recorder = { queued: new Map(), attributed: new Map(), waiters: [], flushing: false, prunedAt: 0 };
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
  if (usage.credential !== undefined) {
    // The call's UTC day, which is also its counter window's: a window never crosses midnight.
    const day = usage.at.toISOString().slice(0, 10);
    const slot = `${usage.customerId}|${usage.credential}|${usage.meter}|${day}`;
    const attributed = recorder.attributed.get(slot);
    if (attributed) attributed.units += usage.units;
    else
      recorder.attributed.set(slot, {
        customerId: usage.customerId,
        credential: usage.credential,
        meter: usage.meter,
        day,
        units: usage.units,
      });
  }
  const committed = new Promise<void>((resolve, reject) => recorder.waiters.push({ resolve, reject }));
  if (!recorder.flushing) void flush(db, recorder);
  return committed;
}

async function flush(db: Database, recorder: Recorder): Promise<void> {
  recorder.flushing = true;
  while (recorder.queued.size > 0) {
    const increments = [...recorder.queued.values()];
    const attributions = [...recorder.attributed.values()];
    const waiters = recorder.waiters;
    recorder.queued = new Map();
    recorder.attributed = new Map();
    recorder.waiters = [];
    try {
      await writeIncrements(db, recorder, increments, attributions);
      for (const waiter of waiters) waiter.resolve();
    } catch (error) {
      for (const waiter of waiters) waiter.reject(error);
    }
  }
  recorder.flushing = false;
}

/**
 * Writes one group of increments, with a marker row of its own id in the same statement. When the
 * answer is lost (the server crashed or the connection broke mid-statement) the write may still have
 * committed, and the marker settles which (test/faults/postgres-outage.int.test.ts crashes the server
 * under load): counting such a write as failed would refuse calls that were billed; writing it again
 * would bill them twice. (`pg_xact_status` cannot settle it: a transaction cut off before its WAL was
 * written leaves an id the restarted server hands out again, so the answer can be another's.)
 *
 * The units per credential go in the same statement, so they commit exactly when the billed units do
 * and the marker settles them too. Billing reads `usage_counters` only.
 */
async function writeIncrements(
  db: Database,
  recorder: Recorder,
  increments: Increment[],
  attributions: Attribution[],
): Promise<void> {
  // Rows in one order on every instance: two group commits that lock the same counters in different
  // orders deadlock (PostgreSQL aborts one, and its calls would be refused). Every statement has the
  // same shape, so PostgreSQL also reaches the two tables in the same order in each.
  const ordered = increments.toSorted(
    (a, b) =>
      compare(a.customerId, b.customerId) ||
      compare(a.meter, b.meter) ||
      a.windowStart.getTime() - b.windowStart.getTime(),
  );
  const rows = ordered.map(
    (row) =>
      Prisma.sql`(${row.customerId}::uuid, ${row.meter}, ${row.windowStart}, ${row.units}::bigint, 0, now())`,
  );
  const attribution =
    attributions.length === 0
      ? Prisma.empty
      : Prisma.sql`, attribution AS (
          INSERT INTO credential_usage (customer_id, credential, meter, day, units, updated_at)
          VALUES ${Prisma.join(
            attributions
              .toSorted(
                (a, b) =>
                  compare(a.customerId, b.customerId) ||
                  compare(a.credential, b.credential) ||
                  compare(a.meter, b.meter) ||
                  compare(a.day, b.day),
              )
              .map(
                (row) =>
                  Prisma.sql`(${row.customerId}::uuid, ${row.credential}, ${row.meter}, ${row.day}::date, ${row.units}::bigint, now())`,
              ),
          )}
          ON CONFLICT (customer_id, credential, meter, day)
          DO UPDATE SET units = credential_usage.units + EXCLUDED.units, updated_at = now())`;
  const writeId = randomUUID();
  try {
    await db.$executeRaw`
      WITH marker AS (INSERT INTO usage_writes (id) VALUES (${writeId}::uuid))${attribution}
      INSERT INTO usage_counters (customer_id, meter, window_start, units, reported_units, updated_at)
      VALUES ${Prisma.join(rows)}
      ON CONFLICT (customer_id, meter, window_start)
      DO UPDATE SET units = usage_counters.units + EXCLUDED.units, updated_at = now()`;
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    const outcome = await writeOutcome(db, writeId);
    if (outcome === "committed") return;
    if (outcome === "unknown") {
      // The database stayed away: the calls are refused, yet their units may have been committed.
      // Alert on this event; the marker row of `writeId` settles it once the database is back.
      log.error("metering.record_outcome_unknown", { writeId, error: errorMessage(error) });
    }
    throw error;
  }
  pruneMarkers(db, recorder);
}

/** How long a write whose answer was lost waits for the database to say what became of it. */
const OUTCOME_TIMEOUT_MS = 15_000;

/**
 * What became of a write whose answer was lost, once the database answers again: a fenced marker with
 * the write's id is inserted (nothing happens if the write committed; a write still in flight waits on
 * the id, then fails on it), and whichever marker stands says whether the write committed.
 */
async function writeOutcome(
  db: Database,
  writeId: string,
): Promise<"committed" | "not_committed" | "unknown"> {
  const deadline = Date.now() + OUTCOME_TIMEOUT_MS;
  for (let pause = 50; Date.now() < deadline; pause = Math.min(pause * 2, 1_000)) {
    await new Promise((resolve) => setTimeout(resolve, pause));
    try {
      await db.$executeRaw`
        INSERT INTO usage_writes (id, fenced) VALUES (${writeId}::uuid, true) ON CONFLICT (id) DO NOTHING`;
      const [marker] = await db.$queryRaw<{ fenced: boolean }[]>`
        SELECT fenced FROM usage_writes WHERE id = ${writeId}::uuid`;
      if (!marker) return "unknown";
      return marker.fenced ? "not_committed" : "committed";
    } catch (error) {
      if (!isDatabaseUnavailable(error)) return "unknown";
    }
  }
  return "unknown";
}

/** Markers are needed for `OUTCOME_TIMEOUT_MS` after their write; older ones are deleted now and then. */
const PRUNE_INTERVAL_MS = 60_000;

function pruneMarkers(db: Database, recorder: Recorder): void {
  const now = Date.now();
  if (now - recorder.prunedAt < PRUNE_INTERVAL_MS) return;
  recorder.prunedAt = now;
  // Off the calls' path (kept alive until done where idle functions are frozen), and harmless to
  // skip: the next one catches up.
  afterResponse(
    "metering.prune",
    async () =>
      await db.$executeRaw`DELETE FROM usage_writes WHERE created_at < now() - interval '10 minutes'`,
  );
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
