/**
 * Trials and annual subscriptions end to end: the app's own Checkout Session (lib/billing/checkout.ts)
 * paid on the sandbox's hosted page, the sandbox's events applied as the webhook applies them to a
 * real database (PGlite, or PostgreSQL with DATABASE_URL), usage recorded and reported by the real
 * reporter, and the sandbox's clock ending a year. A trial grants its plan; an annual subscription
 * includes 12 months' units and bills the year's overage at the year's end, as the dashboard estimated.
 */
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StripeSandbox } from "@tollgate/stripe-sandbox";
import { payCheckout } from "@tollgate/stripe-sandbox/testing";
import type { Database } from "@/lib/db";
import { recordUsage } from "@/lib/metering/record-usage";
import { reportUsage } from "@/lib/metering/report-usage";
import { getUsageSummary } from "@/lib/metering/usage-summary";
import { TEST_BACKEND, type TestDatabase } from "@/test/database";
import { startBillingTestbed, takeNewEvents, type BillingTestbed } from "@/test/fixtures";
import { priceIdFor } from "@/test/stripe-checkout";
import { getCustomerAccess, mayUse } from "./access-cache";
import { createCheckoutSession } from "./checkout";
import { METER, paidPlans, type Plan, type StripePlan } from "./plans";
import { setupStripeProducts } from "./setup-stripe-products";
import { applyStripeEvent } from "./webhook/apply-stripe-event";

let testbed: BillingTestbed;
let sandbox: StripeSandbox;
let stripe: Stripe;
let database: TestDatabase & { db: Database };

function paid(id: "pro" | "scale"): Plan & { stripe: StripePlan } {
  const plan = paidPlans().find((candidate) => candidate.id === id);
  if (!plan) throw new Error(`no ${id} plan`);
  return plan;
}

beforeAll(async () => {
  testbed = await startBillingTestbed();
  ({ database, sandbox, stripe } = testbed);
  await setupStripeProducts(stripe);
});
afterAll(() => testbed.close());

const applied = new Set<string>();

/** Applies every sandbox event not applied yet, oldest first, as the webhook would. */
async function applyNewEvents(): Promise<void> {
  for (const event of await takeNewEvents(stripe, applied))
    await applyStripeEvent(database.db, stripe, event);
}

/** A new person who subscribes to `plan` yearly through the app's Checkout Session. */
async function subscribeYearly(plan: "pro" | "scale") {
  const customer = await testbed.signUp(`annual-${plan}`);
  const session = await createCheckoutSession(stripe, {
    plan: paid(plan),
    interval: "year",
    stripeCustomerId: customer.stripeCustomerId,
    successUrl: "http://localhost:3000/dashboard/billing?checkout=success",
    cancelUrl: "http://localhost:3000/dashboard/billing",
    tax: false,
  });
  await payCheckout(session.url);
  await applyNewEvents();
  const now = new Date(sandbox.now() * 1000);
  return { customer, now, access: await getCustomerAccess(database.db, customer.id, { now }) };
}

describe(`trials and annual subscriptions on ${TEST_BACKEND}`, () => {
  it("stores a first Pro subscription as trialing, yearly, with its trial end, and grants Pro", async () => {
    const { customer, access } = await subscribeYearly("pro");
    const [stripeSubscription] = (await stripe.subscriptions.list({ customer: customer.stripeCustomerId }))
      .data;
    const row = await database.db.subscription.findFirst({ where: { customerId: customer.id } });
    expect(row).toMatchObject({ status: "trialing", plan: "pro", interval: "year" });
    expect(row?.trialEnd?.getTime()).toBe((stripeSubscription?.trial_end ?? 0) * 1000);
    expect(access).toMatchObject({ plan: "pro", status: "trialing", interval: "year" });
    expect(access.limits.includedUnits).toBe(paid("pro").limits.includedUnits * 12);
    expect(mayUse(access, "create:widgets")).toBe(true);
  });

  it("meters a Scale year: 12 months' units included, the overage billed with the next year's fee", async () => {
    const scale = paid("scale");
    const yearly = scale.stripe.yearlyPrice;
    if (!yearly) throw new Error("Scale has no annual price");
    const { customer, now, access } = await subscribeYearly("scale");
    expect(access).toMatchObject({ plan: "scale", status: "active", interval: "year" });
    if (!access.period) throw new Error("no period");
    const included = scale.limits.includedUnits * 12;
    expect(access.limits.includedUnits).toBe(included);
    expect(access.period.end.getTime() - access.period.start.getTime()).toBeGreaterThanOrEqual(
      365 * 86_400_000,
    );

    const units = included + 1_000;
    await recordUsage(database.db, {
      customerId: customer.id,
      meter: METER.eventName,
      units,
      at: now,
      periodStart: access.period.start,
    });
    expect(await reportUsage(database.db, stripe)).toMatchObject({ sent: 1, failed: 0 });
    const overageCents = 1_000 * Number(scale.stripe.meteredPrice.unitAmountDecimalCents);
    const summary = await getUsageSummary(database.db, customer.id, access, now);
    expect(summary).toMatchObject({ units, includedUnits: included, remainingIncludedUnits: 0 });
    expect(summary.estimate.amountCents).toBe(yearly.unitAmountCents + overageCents);

    await sandbox.advanceClock(access.period.end.getTime() / 1000 - sandbox.now());
    const [invoice] = (await stripe.invoices.list({ customer: customer.stripeCustomerId, limit: 1 })).data;
    expect(invoice).toMatchObject({ billing_reason: "subscription_cycle", status: "paid" });
    const meteredPriceId = await priceIdFor(stripe, yearly.meteredLookupKey);
    const metered = invoice?.lines.data.filter(
      (line) => line.pricing?.price_details?.price === meteredPriceId,
    );
    expect(metered?.reduce((sum, line) => sum + (line.quantity ?? 0), 0)).toBe(units);
    expect(invoice?.amount_paid).toBe(summary.estimate.amountCents);
  });
});
