import "server-only";
import Stripe from "stripe";
import type { Database } from "@/lib/db";
import { Prisma } from "@/lib/generated/prisma/client";
import { log } from "@/lib/log";
import { STALE_AFTER_MS, settleReports, type SettleCounts, type Uncertainty } from "./settle-reports";

/** Stripe refuses meter events whose timestamp is older than this (35 days); keep a margin. */
const OLDEST_ACCEPTED_MS = 35 * 24 * 3_600_000 - 3_600_000;
/** Stripe's answer to an identifier it already has (v1): proof the event was delivered. */
const DUPLICATE_IDENTIFIER = /already exists with identifier/i;
/** The v2 meter event stream takes at most this many events per request. */
const STREAM_BATCH = 100;
/** A stream session lives 15 minutes; a new one is made this long before it ends. */
const SESSION_MARGIN_MS = 60_000;
/** After Stripe refuses the v2 stream (a restricted key, an API without it), v1 for this long. */
const STREAM_RETRY_MS = 10 * 60_000;

/** Which Stripe API carries meter events: the v2 stream, v1, or the stream with v1 as the fallback. */
export type MeterEventsApi = "auto" | "v2" | "v1";

export interface ReportOptions {
  /** No new batch is started after this time (ms since the epoch); default 25 s from now. */
  deadline?: number;
  api?: MeterEventsApi;
  /** Counters planned per round; default 1,000. */
  planBatch?: number;
  /** Reports read and sent per round; default 2,000. */
  sendBatch?: number;
  /** Requests to Stripe in flight at once: v2 batches or, on v1, customers; default 8 (v2), 16 (v1). */
  concurrency?: number;
  now?: () => Date;
}

/** What one reporter run did. */
export interface ReportSummary {
  /** New deltas written to the outbox. */
  planned: number;
  /** Reports Stripe accepted now. */
  sent: number;
  /** Reports Stripe already had (v1 says so for a retry after a crash, or another reporter's send). */
  duplicates: number;
  /** Reports that failed this time and stay pending. */
  failed: number;
  /** Reports too old for Stripe to accept: logged loudly and kept, never silently dropped. */
  expired: number;
  /** Reports waiting for their customer's Stripe customer id. */
  waiting: number;
  /**
   * Reports whose outcome was unknown or that Stripe reported dropped, settled from Stripe's totals:
   * `held` marked sent, `resent` sent again under a new identifier, `unverified` left for a person.
   */
  settled: SettleCounts;
  /** The API that carried them; null when nothing was sent. */
  api: "v2" | "v1" | null;
  /** Whether everything due was sent (false: the deadline came first, the next run goes on). */
  drained: boolean;
}

interface PendingReport {
  identifier: string;
  customer_id: string;
  meter: string;
  window_start: Date;
  value: bigint | number;
  created_at: Date;
  stripe_customer_id: string;
}

type Outcome = "sent" | "duplicates" | "failed";

/**
 * Reports unreported usage to Stripe Billing Meters, exactly once, until nothing is due or the
 * deadline comes.
 *
 * 1. Plan: in one transaction, each counter with `units > reportedUnits` gets an outbox row for the
 *    delta, with a deterministic identifier (`customer:meter:window:from-to`), and its `reportedUnits`
 *    advances; a thousand counters take three statements. Rows are locked with SKIP LOCKED, so
 *    concurrent reporters plan disjoint deltas.
 * 2. Send: every pending outbox row becomes a meter event carrying that identifier, through the v2
 *    meter event stream in batches of 100 where the account allows it, else one v1 call each. Stripe
 *    keeps an identifier once (for at least 24 hours), so a resend after a crash, or by a second
 *    reporter, never counts twice. Failures stay pending for the next run, for 23 hours after the
 *    first attempt; after that a report is settled from Stripe's totals instead (`settleReports`).
 *
 * Each run first settles what is uncertain: stale pending reports, and reports Stripe's meter error
 * reports named as dropped, sent again under a new identifier once the cause is gone and Stripe
 * certainly holds none of them.
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
  const now = options.now ?? (() => new Date());
  const deadline = options.deadline ?? Date.now() + 25_000;
  const planBatch = options.planBatch ?? 1_000;
  const sendBatch = options.sendBatch ?? 2_000;
  const summary: ReportSummary = {
    planned: 0,
    sent: 0,
    duplicates: 0,
    failed: 0,
    expired: 0,
    waiting: 0,
    settled: { held: 0, resent: 0, unverified: 0 },
    api: null,
    drained: false,
  };
  let sender: MeterEventSender | undefined;
  // Before sending: what Stripe may already hold (or dropped) is settled first, so nothing below resends
  // a report blindly after Stripe may have forgotten its identifier.
  for (const kind of ["stale", "rejected"] satisfies Uncertainty[]) {
    try {
      const counts = await settleReports(db, stripe, kind, now(), deadline);
      summary.settled.held += counts.held;
      summary.settled.resent += counts.resent;
      summary.settled.unverified += counts.unverified;
    } catch (error) {
      // Stripe unreachable: what waits to be settled waits for the next run; sending goes on.
      log.warn("metering.settle_failed", { step: kind, error: errorMessage(error) });
    }
  }

  // Rows are read in (created_at, identifier) order from a cursor, so a row that fails is not retried
  // within this run; the rows of later rounds are planned later and come after it.
  let cursor = { createdAt: new Date(0), identifier: "" };
  for (;;) {
    const planned = await planReports(db, planBatch);
    summary.planned += planned;
    summary.expired += await expireReports(db, now());
    const staleBefore = new Date(now().getTime() - STALE_AFTER_MS);
    const pending = await db.$queryRaw<PendingReport[]>`
      SELECT r.identifier, r.customer_id, r.meter, r.window_start, r.value, r.created_at, c.stripe_customer_id
      FROM usage_reports r JOIN customers c ON c.id = r.customer_id
      WHERE r.status = 'pending' AND c.stripe_customer_id IS NOT NULL
        AND (r.first_attempt_at IS NULL OR r.first_attempt_at > ${staleBefore})
        AND (r.created_at, r.identifier) > (${cursor.createdAt}, ${cursor.identifier})
      ORDER BY r.created_at, r.identifier
      LIMIT ${sendBatch}`;
    const last = pending.at(-1);
    if (last) {
      cursor = { createdAt: last.created_at, identifier: last.identifier };
      await markAttempted(db, pending, now());
      try {
        sender ??= await meterEventSender(stripe, options.api ?? "auto");
      } catch (error) {
        // Stripe did not answer for a stream session: nothing can be sent in this run.
        const message = errorMessage(error);
        log.warn("metering.report_failed", { api: "v2", events: pending.length, error: message });
        await recordOutcome(db, pending, { ok: false, error: message });
        summary.failed += pending.length;
        break;
      }
      summary.api = sender.api;
      const concurrency = options.concurrency ?? (sender.api === "v2" ? 8 : 16);
      for (const outcome of await sender.send(db, pending, concurrency)) summary[outcome] += 1;
    }
    if (planned < planBatch && pending.length < sendBatch) {
      summary.drained = true;
      break;
    }
    if (Date.now() >= deadline) break;
  }

  const [waiting] = await db.$queryRaw<{ n: bigint }[]>`
    SELECT count(*) AS n FROM usage_reports r JOIN customers c ON c.id = r.customer_id
    WHERE r.status = 'pending' AND c.stripe_customer_id IS NULL`;
  summary.waiting = Number(waiting?.n ?? 0);
  if (summary.failed + summary.expired + summary.settled.unverified > 0)
    log.error("metering.report_incomplete", { ...summary });
  return summary;
}

/**
 * Times an attempt before it is made, so a crash after Stripe got the events still leaves the time
 * of the first one: from then on Stripe's identifier dedup is good for 24 hours only.
 */
async function markAttempted(db: Database, reports: readonly PendingReport[], at: Date): Promise<void> {
  await db.$executeRaw`
    UPDATE usage_reports SET first_attempt_at = COALESCE(first_attempt_at, ${at}), last_attempt_at = ${at}
    WHERE identifier IN (${Prisma.join(reports.map((report) => report.identifier))}) AND status = 'pending'`;
}

interface DueCounter {
  customer_id: string;
  meter: string;
  window_start: Date;
  units: bigint;
  reported_units: bigint;
}

/** Writes an outbox row for the unreported delta of up to `limit` counters; returns how many. */
async function planReports(db: Database, limit: number): Promise<number> {
  return db.$transaction(async (tx) => {
    const counters = await tx.$queryRaw<DueCounter[]>`
      SELECT customer_id, meter, window_start, units, reported_units FROM usage_counters
      WHERE units > reported_units
      ORDER BY window_start
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED`;
    if (counters.length === 0) return 0;
    const reports = counters.map(
      (counter) =>
        Prisma.sql`(${reportIdentifier(counter.customer_id, counter.meter, counter.window_start, counter.reported_units, counter.units)}, ${counter.customer_id}::uuid, ${counter.meter}, ${counter.window_start}, ${counter.units - counter.reported_units}::bigint)`,
    );
    await tx.$executeRaw`
      INSERT INTO usage_reports (identifier, customer_id, meter, window_start, value)
      VALUES ${Prisma.join(reports)}
      ON CONFLICT (identifier) DO NOTHING`;
    const advanced = counters.map(
      (counter) =>
        Prisma.sql`(${counter.customer_id}::uuid, ${counter.meter}, ${counter.window_start}::timestamptz, ${counter.units}::bigint)`,
    );
    await tx.$executeRaw`
      UPDATE usage_counters AS c SET reported_units = v.units
      FROM (VALUES ${Prisma.join(advanced)}) AS v (customer_id, meter, window_start, units)
      WHERE c.customer_id = v.customer_id AND c.meter = v.meter AND c.window_start = v.window_start`;
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

/** Marks pending reports too old for Stripe as expired, logging each; returns how many. */
async function expireReports(db: Database, now: Date): Promise<number> {
  const oldest = new Date(now.getTime() - OLDEST_ACCEPTED_MS);
  const expired = await db.$queryRaw<
    { identifier: string; customer_id: string; meter: string; value: bigint; window_start: Date }[]
  >`
    UPDATE usage_reports
    SET status = 'expired', attempts = attempts + 1, sent_at = now(), last_error = 'older than Stripe accepts (35 days)'
    WHERE status = 'pending' AND window_start < ${oldest}
    RETURNING identifier, customer_id, meter, value, window_start`;
  for (const report of expired) {
    log.error("metering.report_expired", {
      identifier: report.identifier,
      customerId: report.customer_id,
      meter: report.meter,
      value: String(report.value),
      windowStart: report.window_start.toISOString(),
    });
  }
  return expired.length;
}

interface MeterEventSender {
  api: "v2" | "v1";
  /** Sends reports and records each outcome in the outbox; returns one outcome per report. */
  send(db: Database, reports: PendingReport[], concurrency: number): Promise<Outcome[]>;
}

/** Per Stripe client: its current stream session, and until when v1 stands in for a refused stream. */
interface StreamState {
  session?: { token: string; expiresAt: number };
  v1Until: number;
}
const streams = new WeakMap<Stripe, StreamState>();

async function meterEventSender(stripe: Stripe, api: MeterEventsApi): Promise<MeterEventSender> {
  if (api === "v1") return v1Sender(stripe);
  let state = streams.get(stripe);
  if (!state) {
    state = { v1Until: 0 };
    streams.set(stripe, state);
  }
  if (api === "auto" && Date.now() < state.v1Until) return v1Sender(stripe);
  try {
    await streamSession(stripe, state);
  } catch (error) {
    // Stripe refuses a stream session to restricted keys, and a Stripe-compatible API may not have
    // one: fall back to v1. A failure to reach Stripe at all is no answer about support.
    if (api === "v2" || !(error instanceof Stripe.errors.StripeError) || !isRefusal(error)) throw error;
    state.v1Until = Date.now() + STREAM_RETRY_MS;
    log.warn("metering.meter_stream_unavailable", { status: error.statusCode, error: error.message });
    return v1Sender(stripe);
  }
  return v2Sender(stripe, state);
}

function isRefusal(error: Stripe.errors.StripeError): boolean {
  const status = error.statusCode ?? 0;
  return status >= 400 && status < 500 && status !== 429;
}

/** The current session token of the v2 stream, made anew shortly before the old one expires. */
async function streamSession(stripe: Stripe, state: StreamState): Promise<string> {
  if (state.session && state.session.expiresAt - SESSION_MARGIN_MS > Date.now()) return state.session.token;
  const session = await stripe.v2.billing.meterEventSession.create();
  state.session = { token: session.authentication_token, expiresAt: Date.parse(session.expires_at) };
  return session.authentication_token;
}

/** Batches of 100 through the v2 stream, `concurrency` requests at once. */
function v2Sender(stripe: Stripe, state: StreamState): MeterEventSender {
  return {
    api: "v2",
    async send(db, reports, concurrency) {
      const batches: PendingReport[][] = [];
      for (let start = 0; start < reports.length; start += STREAM_BATCH)
        batches.push(reports.slice(start, start + STREAM_BATCH));
      const outcomes: Outcome[] = [];
      await inParallel(batches, concurrency, async (batch) => {
        const outcome = await sendBatch(stripe, state, batch);
        await recordOutcome(db, batch, outcome);
        for (let index = 0; index < batch.length; index++) outcomes.push(outcome.ok ? "sent" : "failed");
      });
      return outcomes;
    },
  };
}

async function sendBatch(
  stripe: Stripe,
  state: StreamState,
  batch: PendingReport[],
): Promise<{ ok: true } | { ok: false; error: string }> {
  const events = batch.map((report) => ({
    event_name: report.meter,
    identifier: report.identifier,
    timestamp: report.window_start.toISOString(),
    payload: { stripe_customer_id: report.stripe_customer_id, value: String(report.value) },
  }));
  for (let attempt = 1; ; attempt++) {
    try {
      const apiKey = await streamSession(stripe, state);
      await stripe.v2.billing.meterEventStream.create({ events }, { apiKey });
      return { ok: true };
    } catch (error) {
      // A session can expire between our check and Stripe's: make a new one and send again, once.
      if (error instanceof Stripe.errors.TemporarySessionExpiredError && attempt === 1) {
        state.session = undefined;
        continue;
      }
      const message = errorMessage(error);
      log.warn("metering.report_failed", { api: "v2", events: batch.length, error: message });
      return { ok: false, error: message };
    }
  }
}

/** One v1 call per report: one at a time per customer and meter (Stripe's v1 rule), customers in parallel. */
function v1Sender(stripe: Stripe): MeterEventSender {
  return {
    api: "v1",
    async send(db, reports, concurrency) {
      const lanes = new Map<string, PendingReport[]>();
      for (const report of reports) {
        const lane = `${report.customer_id}:${report.meter}`;
        const queued = lanes.get(lane);
        if (queued) queued.push(report);
        else lanes.set(lane, [report]);
      }
      const outcomes: Outcome[] = [];
      await inParallel([...lanes.values()], concurrency, async (lane) => {
        for (const report of lane) outcomes.push(await sendOne(db, stripe, report));
      });
      return outcomes;
    },
  };
}

async function sendOne(db: Database, stripe: Stripe, report: PendingReport): Promise<Outcome> {
  try {
    await stripe.billing.meterEvents.create({
      event_name: report.meter,
      identifier: report.identifier,
      timestamp: Math.floor(report.window_start.getTime() / 1000),
      payload: { stripe_customer_id: report.stripe_customer_id, value: String(report.value) },
    });
    await recordOutcome(db, [report], { ok: true });
    return "sent";
  } catch (error) {
    const message = errorMessage(error);
    if (DUPLICATE_IDENTIFIER.test(message)) {
      await recordOutcome(db, [report], { ok: true });
      return "duplicates";
    }
    log.warn("metering.report_failed", { api: "v1", identifier: report.identifier, error: message });
    await recordOutcome(db, [report], { ok: false, error: message });
    return "failed";
  }
}

/** Marks reports sent, or counts a failed attempt on them, in one statement. */
async function recordOutcome(
  db: Database,
  reports: PendingReport[],
  outcome: { ok: true } | { ok: false; error: string },
): Promise<void> {
  const identifiers = Prisma.join(reports.map((report) => report.identifier));
  if (outcome.ok) {
    await db.$executeRaw`
      UPDATE usage_reports SET status = 'sent', attempts = attempts + 1, sent_at = now(), last_error = NULL
      WHERE identifier IN (${identifiers}) AND status = 'pending'`;
  } else {
    await db.$executeRaw`
      UPDATE usage_reports SET attempts = attempts + 1, last_error = ${outcome.error.slice(0, 500)}
      WHERE identifier IN (${identifiers}) AND status = 'pending'`;
  }
}

/** Runs `work` over `items`, at most `concurrency` at once. */
async function inParallel<T>(
  items: T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  // One iterator shared by the workers: each takes the next item when it is free.
  const queue = items.values();
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    for (const item of queue) await work(item);
  });
  await Promise.all(workers);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
