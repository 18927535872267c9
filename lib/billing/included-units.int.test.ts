/**
 * Included units are billed as included, end to end: a Pro customer subscribes through the sandbox's
 * hosted Checkout, the webhook events are applied to a real database (PGlite, or PostgreSQL with
 * DATABASE_URL), usage is recorded and reported to the Billing Meter by the real reporter, and the
 * sandbox's clock ends the period. The invoice Stripe makes, Stripe's preview before it and the
 * dashboard's own estimate from the catalog must all agree: units within the plan's included units cost
 * nothing, each unit beyond them the overage rate.
 */
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StripeSandbox } from "@tollgate/stripe-sandbox";
import type { Database } from "@/lib/db";
import { recordUsage } from "@/lib/metering/record-usage";
import { reportUsage } from "@/lib/metering/report-usage";
import { getUsageSummary } from "@/lib/metering/usage-summary";
import { TEST_BACKEND, type TestDatabase } from "@/test/database";
import { startBillingTestbed, takeNewEvents, type BillingTestbed } from "@/test/fixtures";
import { priceIdFor, subscribeThroughCheckout } from "@/test/stripe-checkout";
import { getCustomerAccess } from "./access-cache";
import { estimateNextInvoice } from "./invoice-estimate";
import { METER, PLANS } from "./plans";
import { setupStripeProducts } from "./setup-stripe-products";
import { applyStripeEvent } from "./webhook/apply-stripe-event";

const pro = PLANS.pro;
const proPrices = pro.stripe;
if (!proPrices) throw new Error("Pro has no Stripe prices");
const INCLUDED = pro.limits.includedUnits;
const OVERAGE_CENTS = Number(proPrices.meteredPrice.unitAmountDecimalCents);
const MONTHLY_CENTS = proPrices.flatPrice.unitAmountCents;

let testbed: BillingTestbed;
let sandbox: StripeSandbox;
let stripe: Stripe;
let database: TestDatabase & { db: Database };
let meteredPriceId: string;

beforeAll(async () => {
  testbed = await startBillingTestbed();
  ({ database, sandbox, stripe } = testbed);
  await setupStripeProducts(stripe);
  meteredPriceId = await priceIdFor(stripe, proPrices.meteredPrice.lookupKey);
});
afterAll(() => testbed.close());

const applied = new Set<string>();

/** Applies every sandbox event not applied yet, oldest first, as the webhook would. */
async function applyNewEvents(): Promise<void> {
  for (const event of await takeNewEvents(stripe, applied))
    await applyStripeEvent(database.db, stripe, event);
}

/** A person subscribed to Pro through Checkout, with the subscription stored by the webhook. */
async function proCustomer() {
  const customer = await testbed.signUp("included");
  await subscribeThroughCheckout(stripe, customer.stripeCustomerId, "pro");
  await applyNewEvents();
  const access = await getCustomerAccess(database.db, customer.id, { now: new Date(sandbox.now() * 1000) });
  expect(access.plan).toBe("pro");
  if (!access.period || !access.subscriptionId) throw new Error("no billing period");
  return {
    customerId: customer.id,
    stripeCustomerId: customer.stripeCustomerId,
    access,
    period: access.period,
    subscriptionId: access.subscriptionId,
  };
}

describe(`Pro's included units on ${TEST_BACKEND}`, () => {
  it.each([
    ["1,500 units over the included ones", INCLUDED + 1_500, 1_500 * OVERAGE_CENTS],
    ["one unit under the included ones", INCLUDED - 1, 0],
    ["exactly the included units", INCLUDED, 0],
  ])("%s: the invoice bills the overage only, as estimated", async (_name, units, overageCents) => {
    const { customerId, stripeCustomerId, access, period, subscriptionId } = await proCustomer();
    const at = new Date(sandbox.now() * 1000);
    await recordUsage(database.db, {
      customerId,
      meter: METER.eventName,
      units,
      at,
      periodStart: period.start,
    });
    const report = await reportUsage(database.db, stripe);
    expect(report).toMatchObject({ sent: 1, failed: 0, expired: 0 });

    // Before the period ends: the dashboard's two estimates of the next invoice.
    const summary = await getUsageSummary(database.db, customerId, access, at);
    expect(summary.units).toBe(units);
    expect(summary.estimate.amountCents).toBe(MONTHLY_CENTS + overageCents);
    const preview = await estimateNextInvoice(stripe, { stripeCustomerId, subscriptionId }, summary.estimate);
    expect(preview.source).toBe("stripe");

    // The period ends: Stripe invoices this period's usage in arrears with next month's fee.
    await sandbox.advanceClock(period.end.getTime() / 1000 - sandbox.now());
    const [invoice] = (await stripe.invoices.list({ customer: stripeCustomerId, limit: 1 })).data;
    expect(invoice).toMatchObject({ billing_reason: "subscription_cycle", status: "paid" });
    const metered = invoice?.lines.data.filter(
      (line) => line.pricing?.price_details?.price === meteredPriceId,
    );
    expect(metered?.reduce((sum, line) => sum + (line.quantity ?? 0), 0)).toBe(units);
    expect(metered?.reduce((sum, line) => sum + line.amount, 0)).toBe(overageCents);
    if (units <= INCLUDED) expect(metered?.map((line) => line.amount)).toEqual([0]);
    expect(invoice?.amount_paid).toBe(MONTHLY_CENTS + overageCents);
    expect(preview.amountCents).toBe(invoice?.amount_due);
    expect(summary.estimate.amountCents).toBe(invoice?.amount_due);
  });
});
