/**
 * Reports whose outcome stayed unknown for a day: Stripe enforces meter event identifiers for at least
 * 24 hours only (the sandbox forgets them then), so such a report is never sent again blindly. The
 * reporter reads Stripe's totals first: held reports are marked sent, dropped ones sent again under a
 * new identifier, and totals that settle neither are left for a person. Real database (PGlite, or
 * PostgreSQL with DATABASE_URL), the sandbox through the official SDK.
 */
import type Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { StripeSandbox } from "@tollgate/stripe-sandbox";
import type { Database } from "@/lib/db";
import { TEST_BACKEND, type TestDatabase } from "@/test/database";
import { createUsageMeter, startBillingTestbed, USAGE_METER, type BillingTestbed } from "@/test/fixtures";
import { recordUsage } from "./record-usage";
import { reportUsage } from "./report-usage";

const METER = USAGE_METER;
const HOUR = 3_600_000;
const STREAM = "/v2/billing/meter_event_stream";

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

/** Serves `calls` one-unit calls in the hour two hours ago: one counter, one report. */
async function serve(customerId: string, calls: number): Promise<Date> {
  const at = new Date(Date.now() - 2 * HOUR);
  for (let index = 0; index < calls; index++) {
    await recordUsage(database.db, { customerId, meter: METER, units: 1, at, periodStart: new Date(0) });
  }
  return at;
}

async function total(stripeCustomerId: string): Promise<number> {
  const summaries = await stripe.billing.meters.listEventSummaries(meter.id, {
    customer: stripeCustomerId,
    start_time: Math.floor((Date.now() - 72 * HOUR) / HOUR) * 3600,
    end_time: Math.ceil((Date.now() + HOUR) / HOUR) * 3600,
  });
  return summaries.data.reduce((sum, summary) => sum + summary.aggregated_value, 0);
}

/** A v2 reporter run `hoursLater` hours from now; the sandbox's clock is moved along with it. */
async function runAt(hoursLater: number) {
  const ahead = hoursLater * 3600 - (sandbox.now() - Math.floor(Date.now() / 1000));
  if (ahead > 0) await sandbox.advanceClock(ahead);
  return reportUsage(database.db, stripe, { api: "v2", now: () => new Date(Date.now() + hoursLater * HOUR) });
}

const reportsOf = (customerId: string) =>
  database.db.usageReport.findMany({ where: { customerId }, orderBy: { identifier: "asc" } });

describe(`pending reports older than Stripe's identifier window, on ${TEST_BACKEND}`, () => {
  it("marks sent, without sending again, a report Stripe applied although its answer was lost", async () => {
    const a = await customer("stale-held@example.com");
    await serve(a.id, 9);
    // Stripe applies the batch, then the answer is lost: the report stays pending.
    sandbox.setFaults({ rate: 1, statuses: [500], pathPrefix: STREAM, when: "after" });
    expect(await runAt(0)).toMatchObject({ sent: 0, failed: 1 });
    sandbox.setFaults(null);
    expect(await total(a.stripeId)).toBe(9);

    // A day later Stripe no longer knows the identifier: a blind resend would count 18.
    const later = await runAt(24);
    expect(later).toMatchObject({ sent: 0, settled: { held: 1, resent: 0, unverified: 0 } });
    expect((await reportsOf(a.id)).map((report) => report.status)).toEqual(["sent"]);
    expect(await total(a.stripeId)).toBe(9);
  });

  it("sends again, under a new identifier, a report Stripe never got", async () => {
    const b = await customer("stale-dropped@example.com");
    await serve(b.id, 4);
    sandbox.setFaults({ rate: 1, statuses: [500], pathPrefix: STREAM, when: "before" });
    expect(await runAt(24)).toMatchObject({ sent: 0, failed: 1 });
    sandbox.setFaults(null);
    expect(await total(b.stripeId)).toBe(0);

    expect(await runAt(48)).toMatchObject({ sent: 1, settled: { held: 0, resent: 1, unverified: 0 } });
    const [old, fresh] = await reportsOf(b.id);
    expect(old).toMatchObject({ status: "resent", resentAs: `${old?.identifier}:r1` });
    expect(fresh).toMatchObject({ identifier: `${old?.identifier}:r1`, status: "sent", value: 4n });
    expect(await total(b.stripeId)).toBe(4);
  });

  it("stops sending a report blindly after 23 hours, and reads Stripe's totals only once its last send has settled", async () => {
    const c = await customer("stale-settling@example.com");
    await serve(c.id, 3);
    sandbox.setFaults({ rate: 1, statuses: [500], pathPrefix: STREAM, when: "before" });
    await runAt(48);
    await runAt(70.9); // still within 23 hours of the first attempt: sent (and failed) again
    sandbox.setFaults(null);
    // 23.5 hours after the first attempt, 36 minutes after the last: no blind send, no verdict yet.
    expect(await runAt(71.5)).toMatchObject({
      sent: 0,
      failed: 0,
      settled: { held: 0, resent: 0, unverified: 0 },
    });
    expect((await reportsOf(c.id)).map((report) => [report.status, report.attempts])).toEqual([
      ["pending", 2],
    ]);
    // Once the last send is over an hour old, Stripe's totals say it never arrived.
    expect(await runAt(72.5)).toMatchObject({ sent: 1, settled: { resent: 1 } });
    expect(await total(c.stripeId)).toBe(3);
  });

  it("leaves for a person, unverified and logged, a report that Stripe's totals settle neither way", async () => {
    const d = await customer("stale-undecided@example.com");
    const at = await serve(d.id, 5);
    sandbox.setFaults({ rate: 1, statuses: [500], pathPrefix: STREAM, when: "after" });
    await runAt(72.5);
    sandbox.setFaults(null);
    // Something else reported to this customer and hour: Stripe's total is neither 0 nor 5 beyond what was sent.
    await stripe.billing.meterEvents.create({
      event_name: METER,
      payload: { stripe_customer_id: d.stripeId, value: "2" },
      timestamp: Math.floor(at.getTime() / 1000),
    });
    expect(await runAt(97)).toMatchObject({ sent: 0, settled: { held: 0, resent: 0, unverified: 1 } });
    expect(await reportsOf(d.id)).toMatchObject([{ status: "unverified", value: 5n }]);
    expect(await total(d.stripeId)).toBe(7);
    // Not sent again on later runs either.
    expect(await runAt(99)).toMatchObject({ sent: 0, settled: { resent: 0 } });
  });
});
