/**
 * Reconciliation of served units with Stripe's daily meter totals, against the local Stripe sandbox
 * through the official SDK on a real database: it agrees after a clean report, and finds differences
 * injected in both directions (Stripe holding more than was served; less).
 */
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/lib/db";
import { TEST_BACKEND, type TestDatabase } from "@/test/database";
import { createUsageMeter, startBillingTestbed, USAGE_METER, type BillingTestbed } from "@/test/fixtures";
import { recordUsage } from "./record-usage";
import { reconcileUsage, reconciliationExitCode, type ReconcileRow } from "./reconcile-usage";
import { reportUsage } from "./report-usage";

const METER = USAGE_METER;
const DAY = 86_400_000;

let testbed: BillingTestbed;
let database: TestDatabase & { db: Database };
let stripe: Stripe;

beforeAll(async () => {
  testbed = await startBillingTestbed();
  ({ database, stripe } = testbed);
  await createUsageMeter(stripe);
});
afterAll(() => testbed.close());

const customer = (email: string) => testbed.customer(email);

/** Serves `units` at noon UTC `daysAgo` days ago. */
async function serve(customerId: string, daysAgo: number, units: number): Promise<Date> {
  const at = new Date(Math.floor((Date.now() - daysAgo * DAY) / DAY) * DAY + DAY / 2);
  const safe = at.getTime() > Date.now() ? new Date(Date.now() - 60_000) : at;
  await recordUsage(database.db, { customerId, meter: METER, units, at: safe, periodStart: new Date(0) });
  return safe;
}

const day = (at: Date) => at.toISOString().slice(0, 10);

async function rowsOf(customerId: string): Promise<ReconcileRow[]> {
  const { rows } = await reconcileUsage(database.db, stripe);
  return rows.filter((row) => row.customerId === customerId);
}

describe(`reconciling served units with Stripe on ${TEST_BACKEND}`, () => {
  it("agrees, day by day over both billing periods, once everything is reported", async () => {
    const a = await customer("reconcile-clean@example.com");
    const recent = await serve(a.id, 1, 12);
    const older = await serve(a.id, 25, 30);
    await reportUsage(database.db, stripe);
    const result = await reconcileUsage(database.db, stripe);
    expect(
      result.rows
        .filter((row) => row.customerId === a.id)
        .map((row) => [row.day, row.served, row.inStripe, row.status]),
    ).toEqual([
      [day(older), 30, 30, "ok"],
      [day(recent), 12, 12, "ok"],
    ]);
    expect(result.mismatches).toBe(0);
    expect(reconciliationExitCode(result)).toBe(0);
  });

  it("finds more in Stripe than was served (an event sent by something else, or twice)", async () => {
    const b = await customer("reconcile-more@example.com");
    const at = await serve(b.id, 3, 8);
    await reportUsage(database.db, stripe);
    await stripe.billing.meterEvents.create({
      event_name: METER,
      payload: { stripe_customer_id: b.stripeId, value: "5" },
      timestamp: Math.floor(at.getTime() / 1000),
    });
    const result = await reconcileUsage(database.db, stripe);
    expect(result.rows.filter((row) => row.customerId === b.id)).toEqual([
      expect.objectContaining({ day: day(at), served: 8, inStripe: 13, difference: 5, status: "mismatch" }),
    ]);
    expect(reconciliationExitCode(result, true)).toBe(1);
  });

  it("finds less in Stripe than was served (an event Stripe dropped after answering 200)", async () => {
    const c = await customer("reconcile-less@example.com");
    const kept = await serve(c.id, 2, 6);
    await reportUsage(database.db, stripe);
    // Usage on another day, reported while the Stripe customer is gone: Stripe answers 200 and drops it.
    const lostAt = await serve(c.id, 5, 9);
    await database.db.customer.update({
      where: { id: c.id },
      data: { stripeCustomerId: "cus_does_not_exist" },
    });
    await reportUsage(database.db, stripe);
    await database.db.customer.update({ where: { id: c.id }, data: { stripeCustomerId: c.stripeId } });
    // The outbox says sent: only Stripe's totals show the loss.
    expect(
      await database.db.usageReport.count({ where: { customerId: c.id, status: { not: "sent" } } }),
    ).toBe(0);

    const rows = await rowsOf(c.id);
    expect(rows).toEqual([
      expect.objectContaining({
        day: day(lostAt),
        served: 9,
        inStripe: 0,
        difference: -9,
        status: "mismatch",
      }),
      expect.objectContaining({ day: day(kept), served: 6, inStripe: 6, difference: 0, status: "ok" }),
    ]);
  });

  it("tells usage not yet reported from a loss, and fails on it too unless told to allow it", async () => {
    const d = await customer("reconcile-in-flight@example.com");
    const at = await serve(d.id, 0, 4);
    const rows = await rowsOf(d.id);
    expect(rows).toEqual([
      expect.objectContaining({ day: day(at), served: 4, inStripe: 0, unreported: 4, status: "in flight" }),
    ]);
    const only = { rows, mismatches: 0, inFlight: rows.length };
    expect(reconciliationExitCode(only)).toBe(1);
    expect(reconciliationExitCode(only, true)).toBe(0);
    await reportUsage(database.db, stripe);
    expect((await rowsOf(d.id)).map((row) => row.status)).toEqual(["ok"]);
  });

  it("uses the customer's subscription period: days before the previous period are left out", async () => {
    const e = await customer("reconcile-subscribed@example.com");
    const start = new Date(Math.floor(Date.now() / DAY) * DAY - 2 * DAY);
    const end = new Date(start.getTime() + 30 * DAY);
    await database.db.subscription.create({
      data: {
        id: "sub_reconcile",
        customerId: e.id,
        status: "active",
        plan: "pro",
        currentPeriodStart: start,
        currentPeriodEnd: end,
        stripeUpdatedAt: new Date(),
      },
    });
    const current = await serve(e.id, 1, 2);
    const previous = await serve(e.id, 15, 3);
    await serve(e.id, 34, 4); // before the previous period (a month before the current one) began
    await reportUsage(database.db, stripe);
    const rows = await rowsOf(e.id);
    expect(rows.map((row) => [row.day, row.period, row.served, row.status])).toEqual([
      [day(previous), "previous", 3, "ok"],
      [day(current), "current", 2, "ok"],
    ]);
  });
});
