import "server-only";
import Stripe from "stripe";
import type { Database } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { log } from "@/lib/log";

const HOUR_MS = 3_600_000;
/**
 * Stripe aggregates meter events asynchronously: its totals are read only once every send of the hour
 * is at least this old, so an event still on its way is never taken for a dropped one.
 */
const SETTLE_MS = HOUR_MS;
/**
 * Stripe enforces a meter event identifier for at least 24 hours only: a report first sent longer ago
 * than this is never sent again blindly, but settled from Stripe's totals (`settleReports`, "stale").
 */
export const STALE_AFTER_MS = 23 * HOUR_MS;
/** A rejected report is asked about at most this often while its cause remains. */
const RECHECK_MS = 15 * 60_000;
/** Reports settled per run and kind: each customer, meter and hour costs one Stripe call. */
const SETTLE_BATCH = 200;

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

/** A report whose fate at Stripe is uncertain (pending too long, or named in a meter error report). */
export interface UncertainReport {
  identifier: string;
  customer_id: string;
  stripe_customer_id: string;
  meter: string;
  window_start: Date;
  value: bigint;
}

/**
 * What Stripe's totals say about uncertain reports: it holds them, it holds none of them, it holds
 * something else (neither, so no one can tell without a person), or not yet knowable (an event of the
 * hour may still be on its way, or Stripe could not be asked).
 */
export type Verdict = "held" | "dropped" | "undecided" | "later";

/** How many reports each verdict moved: marked sent, sent again under a new identifier, or flagged. */
export interface SettleCounts {
  held: number;
  resent: number;
  unverified: number;
}

/**
 * The reports whose fate at Stripe is uncertain, by why: `stale`, pending reports first sent longer
 * than STALE_AFTER_MS ago; `rejected`, reports Stripe's meter error reports named with a retryable code,
 * and `suspect` ones (sent while Stripe dropped events it did not name).
 */
export type Uncertainty = "stale" | "rejected";

type Meters = ReadonlyMap<string, { id: string; active: boolean }>;

interface Settlement {
  /** The statuses a verdict moves a report out of (a report that left them meanwhile is left alone). */
  from: readonly string[];
  /** Up to a batch of candidates, oldest window first, whose last send has settled in Stripe's totals. */
  candidates(db: Database, now: Date): Promise<UncertainReport[]>;
  /** Those Stripe can take again now; the others are marked checked and wait. Default: all. */
  ready?(stripe: Stripe, candidates: readonly UncertainReport[], meters: Meters): Promise<UncertainReport[]>;
}

const SETTLEMENTS: Record<Uncertainty, Settlement> = {
  stale: {
    from: ["pending"],
    candidates: (db, now) => db.$queryRaw<UncertainReport[]>`
      SELECT r.identifier, r.customer_id, c.stripe_customer_id, r.meter, r.window_start, r.value
      FROM usage_reports r JOIN customers c ON c.id = r.customer_id
      WHERE r.status = 'pending' AND c.stripe_customer_id IS NOT NULL
        AND r.first_attempt_at <= ${new Date(now.getTime() - STALE_AFTER_MS)}
        AND r.last_attempt_at <= ${new Date(now.getTime() - SETTLE_MS)}
        AND (r.checked_at IS NULL OR r.checked_at <= ${new Date(now.getTime() - SETTLE_MS)})
      ORDER BY r.window_start
      LIMIT ${SETTLE_BATCH}`,
  },
  rejected: {
    from: ["rejected", "suspect"],
    candidates: (db, now) => db.$queryRaw<UncertainReport[]>`
      SELECT r.identifier, r.customer_id, c.stripe_customer_id, r.meter, r.window_start, r.value
      FROM usage_reports r JOIN customers c ON c.id = r.customer_id
      WHERE (r.status = 'suspect' OR (r.status = 'rejected' AND r.reject_code IN (${Prisma.join([...RETRYABLE_CODES])})))
        AND c.stripe_customer_id IS NOT NULL
        AND (r.checked_at IS NULL OR r.checked_at <= ${new Date(now.getTime() - RECHECK_MS)})
        AND (r.last_attempt_at IS NULL OR r.last_attempt_at <= ${new Date(now.getTime() - SETTLE_MS)})
      ORDER BY r.window_start
      LIMIT ${SETTLE_BATCH}`,
    // The cause is gone once the meter is active and the Stripe customer exists.
    async ready(stripe, candidates, meters) {
      const customers = new Map<string, boolean>();
      for (const stripeCustomerId of new Set(candidates.map((report) => report.stripe_customer_id))) {
        customers.set(stripeCustomerId, await customerExists(stripe, stripeCustomerId));
      }
      return candidates.filter(
        (report) =>
          meters.get(report.meter)?.active === true && customers.get(report.stripe_customer_id) === true,
      );
    },
  },
};

/**
 * Settles uncertain reports of one kind from Stripe's totals, so none is sent again blindly after
 * Stripe may have forgotten its identifier: a report Stripe holds is marked sent, one it certainly
 * holds none of is sent again under a new identifier, and one the totals cannot settle is marked
 * `unverified` and logged (`metering.report_unverified`) for a person. Rejected reports are taken up
 * only once their cause is gone (the meter active, the Stripe customer there).
 */
export async function settleReports(
  db: Database,
  stripe: Stripe,
  kind: Uncertainty,
  now: Date,
  deadline: number,
): Promise<SettleCounts> {
  const none: SettleCounts = { held: 0, resent: 0, unverified: 0 };
  const settlement = SETTLEMENTS[kind];
  const candidates = await settlement.candidates(db, now);
  if (candidates.length === 0 || Date.now() >= deadline) return none;
  const meters = await meterIdsByEventName(stripe);
  const ready = settlement.ready ? await settlement.ready(stripe, candidates, meters) : candidates;
  const waiting = candidates.filter((report) => !ready.includes(report));
  if (waiting.length > 0) {
    await db.$executeRaw`
      UPDATE usage_reports SET checked_at = ${now}
      WHERE identifier IN (${Prisma.join(waiting.map((report) => report.identifier))})`;
  }
  if (ready.length === 0) return none;
  const verdicts = await judgeReports(db, stripe, ready, now, meters);
  const settled = await applyVerdicts(db, ready, verdicts, settlement.from, now);
  if (kind === "stale" && settled.held > 0) log.info("metering.report_verified", { held: settled.held });
  return settled;
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

interface HourRow {
  identifier: string;
  status: string;
  value: bigint;
  touched_at: Date | null;
}

/** The Stripe meter id of each event name, the active meter where there are several. */
export async function meterIdsByEventName(
  stripe: Stripe,
): Promise<Map<string, { id: string; active: boolean }>> {
  const meters = new Map<string, { id: string; active: boolean }>();
  for await (const meter of stripe.billing.meters.list({ limit: 100 })) {
    const active = meter.status === "active";
    if (!meters.get(meter.event_name)?.active) meters.set(meter.event_name, { id: meter.id, active });
  }
  return meters;
}

/**
 * Decides, from Stripe's meter event summaries, whether Stripe holds uncertain reports: per customer,
 * meter and UTC hour (a report's timestamp is its window's start), Stripe's total minus the reports of
 * that hour known to be sent is compared with the uncertain ones. Exact arithmetic, no guessing: zero
 * means Stripe holds none of them, their sum means all of them, anything else is undecided. An hour
 * with a report still in flight, or sent too recently for Stripe's totals to include it, waits.
 */
async function judgeReports(
  db: Database,
  stripe: Stripe,
  reports: readonly UncertainReport[],
  now: Date,
  meters: ReadonlyMap<string, { id: string }>,
): Promise<Map<string, Verdict>> {
  const groups = new Map<string, UncertainReport[]>();
  for (const report of reports) {
    const hour = Math.floor(report.window_start.getTime() / HOUR_MS) * HOUR_MS;
    const key = `${report.customer_id}\u0000${report.meter}\u0000${hour}`;
    const group = groups.get(key);
    if (group) group.push(report);
    else groups.set(key, [report]);
  }
  const verdicts = new Map<string, Verdict>();
  for (const group of groups.values()) {
    const verdict = await judgeHour(db, stripe, group, now, meters);
    for (const report of group) verdicts.set(report.identifier, verdict);
  }
  return verdicts;
}

async function judgeHour(
  db: Database,
  stripe: Stripe,
  group: readonly UncertainReport[],
  now: Date,
  meters: ReadonlyMap<string, { id: string }>,
): Promise<Verdict> {
  const [first] = group;
  if (!first) return "later";
  const meter = meters.get(first.meter);
  if (!meter) return "later";
  const hour = Math.floor(first.window_start.getTime() / HOUR_MS) * HOUR_MS;
  const candidates = new Set(group.map((report) => report.identifier));
  const rows = await db.$queryRaw<HourRow[]>`
    SELECT identifier, status, value, GREATEST(last_attempt_at, sent_at) AS touched_at FROM usage_reports
    WHERE customer_id = ${first.customer_id}::uuid AND meter = ${first.meter}
      AND window_start >= ${new Date(hour)} AND window_start < ${new Date(hour + HOUR_MS)}`;
  let sent = 0n;
  for (const row of rows) {
    if (row.touched_at && row.touched_at.getTime() > now.getTime() - SETTLE_MS) return "later";
    if (candidates.has(row.identifier)) continue;
    // Another report of the hour whose fate is open: its value may or may not be in Stripe's total.
    if (row.status === "suspect" || (row.status === "pending" && row.touched_at)) return "later";
    if (row.status === "unverified") return "undecided";
    if (row.status === "sent") sent += BigInt(row.value);
  }
  let total: number;
  try {
    const summaries = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: first.stripe_customer_id,
      start_time: hour / 1000,
      end_time: (hour + HOUR_MS) / 1000,
    });
    total = summaries.data.reduce((sum, summary) => sum + summary.aggregated_value, 0);
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeError)) throw error;
    log.warn("metering.summary_unavailable", {
      customerId: first.customer_id,
      meter: first.meter,
      hour: new Date(hour).toISOString(),
      error: error.message,
    });
    return "later";
  }
  const uncertain = group.reduce((sum, report) => sum + BigInt(report.value), 0n);
  const beyondSent = total - Number(sent);
  if (beyondSent === 0) return "dropped";
  if (beyondSent === Number(uncertain)) return "held";
  log.error("metering.report_unverified", {
    customerId: first.customer_id,
    meter: first.meter,
    hour: new Date(hour).toISOString(),
    stripeTotal: total,
    sent: String(sent),
    uncertain: String(uncertain),
    identifiers: group.map((report) => report.identifier),
  });
  return "undecided";
}

/** The identifier a dropped report's value is sent again under: `...:r1`, then `...:r2`. */
export function resendIdentifier(identifier: string): string {
  const match = /^(.*):r(\d+)$/.exec(identifier);
  return match ? `${match[1]}:r${Number(match[2]) + 1}` : `${identifier}:r1`;
}

/**
 * Acts on verdicts, in one transaction, moving only reports still in one of `from`: held ones become
 * sent; dropped ones become `resent` and their value a new pending report under a new identifier
 * (safe: Stripe holds none of it, and the old identifier may still be taken); undecided ones become
 * `unverified`; the others are marked checked now.
 */
async function applyVerdicts(
  db: Database,
  reports: readonly UncertainReport[],
  verdicts: ReadonlyMap<string, Verdict>,
  from: readonly string[],
  now: Date,
): Promise<SettleCounts> {
  const pick = (verdict: Verdict) => reports.filter((report) => verdicts.get(report.identifier) === verdict);
  const ids = (list: readonly UncertainReport[]) => Prisma.join(list.map((report) => report.identifier));
  const statuses = Prisma.join([...from]);
  const held = pick("held");
  const dropped = pick("dropped");
  const undecided = pick("undecided");
  const later = pick("later");
  const { counts, resent } = await db.$transaction(async (tx) => {
    const counts: SettleCounts = { held: 0, resent: 0, unverified: 0 };
    if (held.length > 0) {
      counts.held = await tx.$executeRaw`
        UPDATE usage_reports SET status = 'sent', sent_at = ${now}, checked_at = ${now}, last_error = NULL
        WHERE identifier IN (${ids(held)}) AND status IN (${statuses})`;
    }
    const resent: UncertainReport[] = [];
    if (dropped.length > 0) {
      const next = new Map(dropped.map((report) => [resendIdentifier(report.identifier), report]));
      const pairs = [...next].map(([resentAs, report]) => Prisma.sql`(${report.identifier}, ${resentAs})`);
      const inserted = await tx.$queryRaw<{ identifier: string }[]>`
        WITH pairs (old_id, new_id) AS (VALUES ${Prisma.join(pairs)}),
        moved AS (
          UPDATE usage_reports r SET status = 'resent', resent_as = p.new_id, checked_at = ${now}
          FROM pairs p WHERE r.identifier = p.old_id AND r.status IN (${statuses})
          RETURNING p.new_id, r.customer_id, r.meter, r.window_start, r.value)
        INSERT INTO usage_reports (identifier, customer_id, meter, window_start, value)
        SELECT new_id, customer_id, meter, window_start, value FROM moved
        ON CONFLICT (identifier) DO NOTHING
        RETURNING identifier`;
      for (const row of inserted) {
        const report = next.get(row.identifier);
        if (report) resent.push(report);
      }
      counts.resent = resent.length;
    }
    if (undecided.length > 0) {
      counts.unverified = await tx.$executeRaw`
        UPDATE usage_reports SET status = 'unverified', checked_at = ${now},
          last_error = 'Stripe''s total for its hour matches neither with nor without it'
        WHERE identifier IN (${ids(undecided)}) AND status IN (${statuses})`;
    }
    if (later.length > 0) {
      await tx.$executeRaw`
        UPDATE usage_reports SET checked_at = ${now}
        WHERE identifier IN (${ids(later)}) AND status IN (${statuses})`;
    }
    return { counts, resent };
  });
  for (const report of resent) {
    log.warn("metering.report_resent", {
      identifier: report.identifier,
      resentAs: resendIdentifier(report.identifier),
      customerId: report.customer_id,
      meter: report.meter,
      value: String(report.value),
      windowStart: report.window_start.toISOString(),
    });
  }
  return counts;
}
