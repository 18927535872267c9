import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStripeSandbox, type StripeSandbox } from "@tollgate/stripe-sandbox";
import { payCheckout, sdkFor } from "@tollgate/stripe-sandbox/testing";
import { createCheckoutSession, type CheckoutOptions } from "./checkout";
import { paidPlans, type Plan, type StripePlan } from "./plans";
import { DEMO_PROMOTION_CODE, setupStripeProducts } from "./setup-stripe-products";

let sandbox: StripeSandbox;
let stripe: Stripe;

function paid(id: "pro" | "scale"): Plan & { stripe: StripePlan } {
  const plan = paidPlans().find((candidate) => candidate.id === id);
  if (!plan) throw new Error(`no ${id} plan`);
  return plan;
}

async function customer(email: string): Promise<string> {
  return (await stripe.customers.create({ email })).id;
}

function checkout(options: Partial<CheckoutOptions> & { stripeCustomerId: string }) {
  return createCheckoutSession(stripe, {
    plan: paid("pro"),
    interval: "month",
    successUrl: "http://localhost:3000/dashboard/billing?checkout=success",
    cancelUrl: "http://localhost:3000/dashboard/billing?checkout=canceled",
    tax: false,
    ...options,
  });
}

async function subscriptionsOf(stripeCustomerId: string): Promise<Stripe.Subscription[]> {
  return (await stripe.subscriptions.list({ customer: stripeCustomerId, status: "all" })).data;
}

beforeAll(async () => {
  sandbox = await createStripeSandbox({ port: 0 });
  stripe = sdkFor(sandbox);
  await setupStripeProducts(stripe, { demoPromotionCode: true });
});
afterAll(() => sandbox.close());

describe("createCheckoutSession", () => {
  it("gives a first subscription the plan's trial, accepts promotion codes and leaves tax off", async () => {
    const id = await customer("first@example.com");
    const session = await checkout({ stripeCustomerId: id });
    expect(session).toMatchObject({
      allow_promotion_codes: true,
      amount_total: 0,
      automatic_tax: { enabled: false },
      billing_address_collection: null,
    });
    const started = sandbox.now();
    const { page } = await payCheckout(session.url);
    expect(page).toContain(`Free trial: ${paid("pro").stripe.trialDays} days`);
    const [subscription] = await subscriptionsOf(id);
    expect(subscription?.status).toBe("trialing");
    expect((subscription?.trial_end ?? 0) - started).toBeGreaterThanOrEqual(14 * 86_400);
    expect(subscription?.metadata).toEqual({ tollgate_plan: "pro", tollgate_interval: "month" });
  });

  it("refuses a second trial: a customer whose subscription ended pays from the first day", async () => {
    const id = await customer("again@example.com");
    await payCheckout((await checkout({ stripeCustomerId: id })).url);
    const [trial] = await subscriptionsOf(id);
    if (!trial) throw new Error("no first subscription");
    await stripe.subscriptions.cancel(trial.id);
    const second = await checkout({ stripeCustomerId: id });
    expect(second.amount_total).toBe(paid("pro").stripe.flatPrice.unitAmountCents);
    const { page } = await payCheckout(second.url);
    expect(page).not.toContain("Free trial");
    const live = (await subscriptionsOf(id)).filter((subscription) => subscription.id !== trial.id);
    expect(live.map((subscription) => [subscription.status, subscription.trial_end])).toEqual([
      ["active", null],
    ]);
  });

  it("gives no trial on a plan that declares none", async () => {
    const id = await customer("scale@example.com");
    const session = await checkout({ stripeCustomerId: id, plan: paid("scale") });
    expect(session.amount_total).toBe(paid("scale").stripe.flatPrice.unitAmountCents);
  });

  it("sells a year: the yearly fee and yearly metered price, with the demo promotion code's 20% off", async () => {
    const id = await customer("annual@example.com");
    const session = await checkout({ stripeCustomerId: id, interval: "year", plan: paid("scale") });
    expect(session.amount_total).toBe(199_000);
    await payCheckout(session.url, { promotion_code: DEMO_PROMOTION_CODE.code });
    const [subscription] = await subscriptionsOf(id);
    expect(
      subscription?.items.data.map((item) => [item.price.lookup_key, item.price.recurring?.interval]),
    ).toEqual([
      ["tollgate_scale_yearly", "year"],
      ["tollgate_scale_units_yearly", "year"],
    ]);
    const invoice = (await stripe.invoices.list({ customer: id })).data[0];
    expect(invoice).toMatchObject({ subtotal: 199_000, total: 159_200 });
  });

  it("turns Stripe Tax on: automatic tax, a required billing address saved on the customer", async () => {
    const id = await customer("taxed@example.com");
    const session = await checkout({ stripeCustomerId: id, tax: true });
    expect(session).toMatchObject({
      automatic_tax: { enabled: true },
      billing_address_collection: "required",
    });
    await payCheckout(session.url, { country: "FR", postal_code: "75001" });
    const [subscription] = await subscriptionsOf(id);
    expect(subscription?.automatic_tax.enabled).toBe(true);
    expect(((await stripe.customers.retrieve(id)) as Stripe.Customer).address?.country).toBe("FR");
  });

  it.each([
    ["an unknown interval", { interval: "week" }, "ERR_UNKNOWN_INTERVAL"],
    [
      "an annual price the plan does not have",
      { interval: "year", monthlyOnly: true },
      "ERR_NO_ANNUAL_PRICE",
    ],
  ])("refuses %s with its code, making nothing", async (_name, change, code) => {
    const pro = paid("pro");
    const plan =
      "monthlyOnly" in change ? { ...pro, stripe: { ...pro.stripe, yearlyPrice: undefined } } : pro;
    const id = await customer(`refused-${code}@example.com`);
    await expect(checkout({ stripeCustomerId: id, plan, interval: change.interval })).rejects.toMatchObject({
      code,
    });
    expect(await subscriptionsOf(id)).toEqual([]);
  });
});
