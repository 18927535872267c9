/**
 * The reporter against the local Stripe sandbox through the official SDK, on a real database: the
 * sandbox's meter totals must equal the served units exactly, whatever fails on the way.
 */
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { StripeSandbox } from "@tollgate/stripe-sandbox";
import { sdkFor } from "@tollgate/stripe-sandbox/testing";
import type { Database } from "@/lib/db";
import { TEST_BACKEND, type TestDatabase } from "@/test/database";
import { createUsageMeter, startBillingTestbed, USAGE_METER, type BillingTestbed } from "@/test/fixtures";
import { recordUsage } from "./record-usage";
import { reportUsage, type MeterEventsApi, type ReportOptions } from "./report-usage";

const METER = USAGE_METER;
const PERIOD = new Date("2026-11-01T00:00:00Z");

let testbed: BillingTestbed;
let database: TestDatabase & { db: Database };
let sandbox: StripeSandbox;
let stripe: Stripe;
let meter: Stripe.Billing.Meter;

beforeAll(async () => {
  testbed = await startBillingTestbed();
  ({ database, sandbox, stripe } = testbed);
  meter = await createUsageMeter(stripe);
});
afterAll(() => testbed.close());
beforeEach(() => sandbox.setFaults(null));

const customer = (email: string) => testbed.customer(email);

/** Serves `calls` one-unit calls for a customer, spread over a few hours. */
async function serve(customerId: string, calls: number): Promise<void> {
  const start = Date.now() - 3 * 3_600_000;
  await Promise.all(
    Array.from({ length: calls }, (_, index) =>
      recordUsage(database.db, {
        customerId,
        meter: METER,
        units: 1,
        at: new Date(start + (index % 3) * 3_600_000),
        periodStart: PERIOD,
      }),
    ),
  );
}

/** What Stripe has for a customer, read through the SDK as from Stripe itself. */
async function reportedTotal(stripeCustomerId: string): Promise<number> {
  const hour = 3_600_000;
  const summaries = await stripe.billing.meters.listEventSummaries(meter.id, {
    customer: stripeCustomerId,
    start_time: Math.floor((Date.now() - 48 * hour) / hour) * 3600,
    end_time: Math.ceil((Date.now() + hour) / hour) * 3600,
  });
  return summaries.data.reduce((sum, summary) => sum + summary.aggregated_value, 0);
}

async function drain(api: MeterEventsApi, reporterStripe: Stripe = stripe, maxRuns = 50): Promise<void> {
  for (let run = 0; run < maxRuns; run++) {
    const summary = await reportUsage(database.db, reporterStripe, { api, planBatch: 50, sendBatch: 50 });
    const pending = await database.db.usageReport.count({ where: { status: "pending" } });
    const unplanned = await database.db.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM usage_counters WHERE units > reported_units`;
    if (pending === 0 && Number(unplanned[0]?.n ?? 0) === 0 && summary.failed === 0) return;
  }
  throw new Error("the reporter did not catch up");
}

describe(`choosing the meter event API on ${TEST_BACKEND}`, () => {
  it("uses the v2 stream by default, and opens a new session when Stripe says the old one expired", async () => {
    const a = await customer("stream-session@example.com");
    await serve(a.id, 4);
    expect(await reportUsage(database.db, stripe)).toMatchObject({ api: "v2", sent: 3, failed: 0 });
    // Sandbox time moves past the session's 15 minutes; the reporter still holds its token.
    const sessions = sandbox.state.meterEventSessions.size;
    await sandbox.advanceClock(16 * 60);
    await serve(a.id, 5);
    expect(await reportUsage(database.db, stripe)).toMatchObject({ api: "v2", sent: 3, failed: 0 });
    expect(sandbox.state.meterEventSessions.size).toBe(sessions + 1);
    expect(await reportedTotal(a.stripeId)).toBe(9);
  });

  it("falls back to v1 when Stripe refuses the stream (restricted keys cannot use v2)", async () => {
    const b = await customer("stream-restricted@example.com");
    await serve(b.id, 6);
    const restricted = new Stripe("rk_test_tollgate_reporter", {
      host: "127.0.0.1",
      port: sandbox.port,
      protocol: "http",
    });
    expect(await reportUsage(database.db, restricted)).toMatchObject({ api: "v1", sent: 3, failed: 0 });
    expect(await reportedTotal(b.stripeId)).toBe(6);
    // Asked for v2 only, the refusal is an error rather than a quiet change of API.
    await serve(b.id, 1);
    await expect(reportUsage(database.db, restricted, { api: "v2" })).resolves.toMatchObject({
      api: null,
      sent: 0,
      failed: 1,
    });
    expect(await reportUsage(database.db, stripe)).toMatchObject({ api: "v2", sent: 1 });
    expect(await reportedTotal(b.stripeId)).toBe(7);
  });
});

/** Where each API's meter events go in the sandbox, for injected faults. */
const EVENT_PATHS = { v2: "/v2/billing/meter_event", v1: "/v1/billing/meter_events" } as const;

describe.each(["v2", "v1"] as const)(`reporting usage to Stripe through %s on ${TEST_BACKEND}`, (api) => {
  const report = (reporterStripe: Stripe = stripe, options: ReportOptions = {}) =>
    reportUsage(database.db, reporterStripe, { api, ...options });

  it("reports exactly the served units, with one meter event per customer, window and run", async () => {
    const a = await customer(`${api}-report-a@example.com`);
    const b = await customer(`${api}-report-b@example.com`);
    await Promise.all([serve(a.id, 120), serve(b.id, 45)]);
    const summary = await report();
    expect(summary).toMatchObject({ sent: 6, failed: 0, duplicates: 0, api, drained: true });
    expect(await reportedTotal(a.stripeId)).toBe(120);
    expect(await reportedTotal(b.stripeId)).toBe(45);
    expect(await report()).toMatchObject({ planned: 0, sent: 0, drained: true });
  });

  it("stays exact when Stripe answers 500 and 429 at random, before or after applying the event", async () => {
    const c = await customer(`${api}-report-faults@example.com`);
    sandbox.setFaults({ rate: 0.5, statuses: [500, 429], pathPrefix: EVENT_PATHS[api], when: "random" });
    for (let round = 0; round < 4; round++) {
      await serve(c.id, 30);
      await report(stripe, { planBatch: 50, sendBatch: 50 });
    }
    await drain(api);
    sandbox.setFaults(null);
    await drain(api);
    expect(await reportedTotal(c.stripeId)).toBe(120);
  });

  it("drains a backlog of many rounds in one run, and stops at its deadline with the rest kept", async () => {
    const many = await Promise.all(
      Array.from({ length: 30 }, (_, index) => customer(`${api}-report-many-${index}@example.com`)),
    );
    await Promise.all(many.map((each) => serve(each.id, 3)));
    // 90 counters (30 customers, 3 windows) in rounds of 20: a run that must stop after its first.
    const stopped = await report(stripe, { planBatch: 20, sendBatch: 20, deadline: Date.now() });
    expect(stopped).toMatchObject({ planned: 20, sent: 20, drained: false });
    const rest = await report(stripe, { planBatch: 20, sendBatch: 20 });
    expect(rest).toMatchObject({ planned: 70, sent: 70, failed: 0, drained: true });
    const totals = await Promise.all(many.map((each) => reportedTotal(each.stripeId)));
    expect(totals).toEqual(many.map(() => 3));
  });

  it("resends what a crashed run planned but never delivered, without double counting", async () => {
    const d = await customer(`${api}-report-crash@example.com`);
    await serve(d.id, 33);
    // A run that plans its deltas and then cannot reach Stripe stands for one killed mid-batch.
    const unreachable = sdkFor({ port: 1 });
    const crashed = await report(unreachable);
    expect(crashed.planned).toBeGreaterThan(0);
    expect(crashed.sent).toBe(0);
    await serve(d.id, 7);
    await drain(api);
    expect(await reportedTotal(d.stripeId)).toBe(40);
  });

  it("two reporters running at once never double count", async () => {
    const e = await customer(`${api}-report-twice@example.com`);
    for (let round = 0; round < 3; round++) {
      await serve(e.id, 25);
      await Promise.all([report(), report()]);
    }
    await drain(api);
    expect(await reportedTotal(e.stripeId)).toBe(75);
    const duplicates = await database.db.usageReport.count({
      where: { customerId: e.id, status: { not: "sent" } },
    });
    expect(duplicates).toBe(0);
  });

  it("keeps usage older than Stripe accepts as expired and lists it, never dropping it silently", async () => {
    const f = await customer(`${api}-report-old@example.com`);
    const old = new Date(Date.now() - 40 * 24 * 3_600_000);
    await recordUsage(database.db, {
      customerId: f.id,
      meter: METER,
      units: 9,
      at: old,
      periodStart: new Date(0),
    });
    const summary = await report();
    expect(summary.expired).toBe(1);
    const expired = await database.db.usageReport.findMany({
      where: { customerId: f.id, status: "expired" },
    });
    expect(expired.map((report) => Number(report.value))).toEqual([9]);
  });
});
