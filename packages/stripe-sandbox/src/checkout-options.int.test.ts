import { afterEach, beforeEach, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { createMeter, payCheckout, startSandboxWithReceiver } from "./testing";

type Harness = Awaited<ReturnType<typeof startSandboxWithReceiver>>;
let harness: Harness;
let yearly: Stripe.Price;
let yearlyMetered: Stripe.Price;
let meter: Stripe.Billing.Meter;

beforeEach(async () => {
  harness = await startSandboxWithReceiver();
  const { stripe } = harness;
  meter = await createMeter(stripe, "calls");
  const product = await stripe.products.create({ name: "Pro" });
  yearly = await stripe.prices.create({
    product: product.id,
    currency: "usd",
    unit_amount: 29_000,
    recurring: { interval: "year" },
    lookup_key: "pro_yearly",
  });
  yearlyMetered = await stripe.prices.create({
    product: product.id,
    currency: "usd",
    unit_amount_decimal: Stripe.Decimal.from("0.5"),
    recurring: { interval: "year", usage_type: "metered", meter: meter.id },
    lookup_key: "pro_units_yearly",
  });
});
afterEach(() => harness.close());

async function checkout(
  params: Partial<Stripe.Checkout.SessionCreateParams>,
  email = "ada@example.com",
): Promise<{ customer: Stripe.Customer; session: Stripe.Checkout.Session }> {
  const customer = await harness.stripe.customers.create({ email });
  const session = await harness.stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: yearly.id, quantity: 1 }, { price: yearlyMetered.id }],
    success_url: "http://localhost:3000/done",
    cancel_url: "http://localhost:3000/back",
    ...params,
  });
  return { customer, session };
}

/** The subscription's latest invoice, from the list (the app never retrieves one invoice). */
async function latestInvoice(subscription: Stripe.Subscription): Promise<Stripe.Invoice> {
  const invoices = (await harness.stripe.invoices.list({ customer: String(subscription.customer) })).data;
  const found = invoices.find((invoice) => invoice.id === subscription.latest_invoice);
  if (!found) throw new Error("no latest invoice");
  return found;
}

async function onlySubscription(customer: string): Promise<Stripe.Subscription> {
  const [subscription, ...others] = (await harness.stripe.subscriptions.list({ customer, status: "all" }))
    .data;
  if (!subscription || others.length > 0) throw new Error("expected exactly one subscription");
  return subscription;
}

describe("Checkout options the app uses", () => {
  it("starts a yearly subscription whose metered usage is billed at the end of the year", async () => {
    const { stripe, sandbox } = harness;
    const { customer, session } = await checkout({});
    const start = sandbox.now();
    await payCheckout(session.url ?? "");
    const subscription = await onlySubscription(customer.id);
    expect(subscription.status).toBe("active");
    expect(subscription.items.data.map((item) => item.price.recurring?.interval)).toEqual(["year", "year"]);
    const periodEnd = subscription.items.data[0]?.current_period_end ?? 0;
    expect(periodEnd - start).toBeGreaterThanOrEqual(365 * 86_400);
    await stripe.billing.meterEvents.create({
      event_name: "calls",
      payload: { stripe_customer_id: customer.id, value: "1000" },
    });
    await sandbox.advanceClock(periodEnd - sandbox.now() + 1);
    const invoices = (await stripe.invoices.list({ customer: customer.id })).data;
    const renewal = invoices.find((invoice) => invoice.billing_reason === "subscription_cycle");
    // A year's fee in advance plus the year's 1,000 units at half a cent.
    expect(renewal?.total).toBe(29_000 + 500);
  });

  it("gives a trial: the subscription is trialing until trial_end and the first invoice is free", async () => {
    const { sandbox } = harness;
    const { customer, session } = await checkout({ subscription_data: { trial_period_days: 14 } });
    expect(session.amount_total).toBe(0);
    const start = sandbox.now();
    const { page } = await payCheckout(session.url ?? "");
    expect(page).toContain("Free trial: 14 days");
    const subscription = await onlySubscription(customer.id);
    expect(subscription.status).toBe("trialing");
    expect((subscription.trial_end ?? 0) - start).toBeGreaterThanOrEqual(14 * 86_400);
    expect((subscription.trial_end ?? 0) - start).toBeLessThan(14 * 86_400 + 60);
  });

  it("refuses a trial Stripe would refuse", async () => {
    await expect(checkout({ subscription_data: { trial_period_days: 0 } })).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      param: "subscription_data[trial_period_days]",
    });
  });

  it("lists coupons and promotion codes, finds a code by its text and refuses a second active one", async () => {
    const { stripe } = harness;
    const coupon = await stripe.coupons.create({ id: "welcome", percent_off: 20, duration: "once" });
    expect(coupon).toMatchObject({ id: "welcome", percent_off: 20, duration: "once", valid: true });
    const promo = await stripe.promotionCodes.create({
      code: "WELCOME20",
      promotion: { type: "coupon", coupon: coupon.id },
    });
    expect(promo).toMatchObject({ code: "WELCOME20", active: true, promotion: { coupon: "welcome" } });
    expect((await stripe.promotionCodes.list({ code: "WELCOME20" })).data.map((code) => code.id)).toEqual([
      promo.id,
    ]);
    expect((await stripe.coupons.list()).data.map((entry) => entry.id)).toEqual(["welcome"]);
    await expect(
      stripe.promotionCodes.create({ code: "welcome20", promotion: { type: "coupon", coupon: coupon.id } }),
    ).rejects.toMatchObject({ param: "code" });
    await expect(stripe.coupons.create({ duration: "once" })).rejects.toMatchObject({ param: "percent_off" });
  });

  it("applies a promotion code typed on the hosted page: 20% off the first invoice, then full price", async () => {
    const { stripe, sandbox } = harness;
    await stripe.coupons.create({ id: "welcome", percent_off: 20, duration: "once" });
    const promo = await stripe.promotionCodes.create({
      code: "WELCOME20",
      promotion: { type: "coupon", coupon: "welcome" },
    });
    const { customer, session } = await checkout({ allow_promotion_codes: true });
    expect(session.allow_promotion_codes).toBe(true);
    const { page } = await payCheckout(session.url ?? "", { promotion_code: "welcome20" });
    expect(page).toContain('name="promotion_code"');
    const subscription = await onlySubscription(customer.id);
    const first = await latestInvoice(subscription);
    expect(first).toMatchObject({ subtotal: 29_000, total: 23_200, amount_paid: 23_200 });
    expect(first.total_discount_amounts?.[0]?.amount).toBe(5_800);
    const [discountId] = first.discounts;
    expect(typeof discountId).toBe("string");
    expect((await stripe.promotionCodes.retrieve(promo.id)).times_redeemed).toBe(1);
    // `once`: the discount left the subscription with its first invoice.
    expect((await stripe.subscriptions.retrieve(subscription.id)).discounts).toEqual([]);
    await sandbox.advanceClock((subscription.items.data[0]?.current_period_end ?? 0) - sandbox.now() + 1);
    const renewal = (await stripe.invoices.list({ customer: customer.id })).data.find(
      (invoice) => invoice.billing_reason === "subscription_cycle",
    );
    expect(renewal?.total).toBe(29_000);
  });

  it("refuses an unknown code and a code on a checkout that does not allow codes, making nothing", async () => {
    const { stripe } = harness;
    const { customer, session } = await checkout({ allow_promotion_codes: true });
    await expect(payCheckout(session.url ?? "", { promotion_code: "NOPE" })).rejects.toThrow(/invalid/);
    const other = await checkout({}, "bob@example.com");
    const page = await (await fetch(other.session.url ?? "")).text();
    expect(page).not.toContain("promotion_code");
    await expect(payCheckout(other.session.url ?? "", { promotion_code: "NOPE" })).rejects.toThrow(
      /does not accept promotion codes/,
    );
    for (const id of [customer.id, other.customer.id]) {
      expect((await stripe.subscriptions.list({ customer: id, status: "all" })).data).toEqual([]);
    }
  });

  it("turns Stripe Tax on: requires a way to the customer's address, collects it and saves it", async () => {
    const { stripe } = harness;
    await expect(checkout({ automatic_tax: { enabled: true } })).rejects.toMatchObject({
      param: "customer_update[address]",
    });
    const { customer, session } = await checkout({
      automatic_tax: { enabled: true },
      billing_address_collection: "required",
      customer_update: { address: "auto", name: "auto" },
    });
    expect(session).toMatchObject({
      automatic_tax: { enabled: true },
      billing_address_collection: "required",
    });
    await expect(payCheckout(session.url ?? "")).rejects.toThrow(/address\[country\]/);
    await payCheckout(session.url ?? "", { country: "de", postal_code: "10115" });
    const subscription = await onlySubscription(customer.id);
    expect(subscription.automatic_tax.enabled).toBe(true);
    const invoice = await latestInvoice(subscription);
    expect(invoice.automatic_tax).toMatchObject({ enabled: true, status: "complete" });
    expect((await stripe.customers.retrieve(customer.id)) as Stripe.Customer).toMatchObject({
      address: { country: "DE", postal_code: "10115" },
    });
  });
});
