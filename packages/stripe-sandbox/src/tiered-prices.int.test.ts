import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_STRIPE } from "./constants";
import { createStripeSandbox, type StripeSandbox } from "./create-stripe-sandbox";
import { createMeter, payCheckout, sdkFor } from "./testing";

// Tiered prices as Stripe has them: graduated tiers on a metered price (the first units included at
// 0, overage after), `tiers` only when expanded, Stripe's errors for bad tiers, and invoices and the
// upcoming-invoice preview priced tier by tier.

const INCLUDED = 50_000;
const OVERAGE = "0.2"; // cents per unit beyond the included units
const MONTHLY = 2_900;

let sandbox: StripeSandbox;
let stripe: Stripe;
let meter: Stripe.Billing.Meter;
let product: Stripe.Product;
let flat: Stripe.Price;
let tiered: Stripe.Price;

const graduated = (meterId: string): Stripe.PriceCreateParams => ({
  product: product.id,
  currency: "usd",
  billing_scheme: "tiered",
  tiers_mode: "graduated",
  tiers: [
    { up_to: INCLUDED, unit_amount_decimal: Stripe.Decimal.from("0") },
    { up_to: "inf", unit_amount_decimal: Stripe.Decimal.from(OVERAGE) },
  ],
  recurring: { interval: "month", usage_type: "metered", meter: meterId },
});

beforeAll(async () => {
  sandbox = await createStripeSandbox({ port: 0 });
  stripe = sdkFor(sandbox);
  meter = await createMeter(stripe, "api_units");
  product = await stripe.products.create({ name: "Pro" });
  flat = await stripe.prices.create({
    product: product.id,
    currency: "usd",
    unit_amount: MONTHLY,
    recurring: { interval: "month" },
  });
  tiered = await stripe.prices.create({ ...graduated(meter.id), lookup_key: "pro_units" });
});
afterAll(() => sandbox.close());

const expectedTiers = [
  { up_to: INCLUDED, unit_amount: 0, unit_amount_decimal: "0", flat_amount: null, flat_amount_decimal: null },
  {
    up_to: null,
    unit_amount: null,
    unit_amount_decimal: OVERAGE,
    flat_amount: null,
    flat_amount_decimal: null,
  },
];
const decimals = (tiers: Stripe.Price.Tier[] | undefined) =>
  tiers?.map((tier) => ({
    ...tier,
    unit_amount_decimal: tier.unit_amount_decimal?.toString() ?? null,
    flat_amount_decimal: tier.flat_amount_decimal?.toString() ?? null,
  }));

describe("a graduated tiered price", () => {
  it("is created with tiers that Stripe returns only when expanded", async () => {
    expect(tiered).toMatchObject({
      billing_scheme: "tiered",
      tiers_mode: "graduated",
      unit_amount: null,
      unit_amount_decimal: null,
      recurring: { usage_type: "metered", meter: meter.id },
    });
    expect(tiered).not.toHaveProperty("tiers");
    expect(await stripe.prices.retrieve(tiered.id)).not.toHaveProperty("tiers");

    const expanded = await stripe.prices.retrieve(tiered.id, { expand: ["tiers"] });
    expect(decimals(expanded.tiers)).toEqual(expectedTiers);
    const listed = await stripe.prices.list({ lookup_keys: ["pro_units"], expand: ["data.tiers"] });
    expect(decimals(listed.data[0]?.tiers)).toEqual(expectedTiers);
    // A per-unit price has no tiers to include.
    expect(await stripe.prices.retrieve(flat.id, { expand: ["tiers"] })).not.toHaveProperty("tiers");
  });

  it("parses Stripe's form encoding as curl sends it", async () => {
    const body = new URLSearchParams({
      product: product.id,
      currency: "usd",
      billing_scheme: "tiered",
      tiers_mode: "volume",
      "tiers[0][up_to]": "10",
      "tiers[0][unit_amount]": "100",
      "tiers[0][flat_amount]": "500",
      "tiers[1][up_to]": "inf",
      "tiers[1][unit_amount_decimal]": "50.5",
      "expand[]": "tiers",
    });
    const response = await fetch(`${sandbox.url}/v1/prices`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${LOCAL_STRIPE.testSecretKey}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      billing_scheme: "tiered",
      tiers_mode: "volume",
      type: "one_time",
      tiers: [
        {
          up_to: 10,
          unit_amount: 100,
          unit_amount_decimal: "100",
          flat_amount: 500,
          flat_amount_decimal: "500",
        },
        { up_to: null, unit_amount: null, unit_amount_decimal: "50.5", flat_amount: null },
      ],
    });
  });

  it("is immutable: tiers cannot be changed on an existing price", async () => {
    const update = stripe.prices.update(tiered.id, {
      tiers: [{ up_to: "inf", unit_amount: 1 }],
    } as Stripe.PriceUpdateParams);
    await expect(update).rejects.toMatchObject({ code: "parameter_unknown", param: "tiers" });
  });

  const inf = { up_to: "inf" as const, unit_amount: 1 };
  it.each<[string, Partial<Stripe.PriceCreateParams>, { code: string; param: string }]>([
    ["no tiers_mode", { tiers_mode: undefined }, { code: "parameter_missing", param: "tiers_mode" }],
    ["no tiers", { tiers: undefined }, { code: "parameter_missing", param: "tiers" }],
    [
      "a last tier that is bounded",
      { tiers: [{ up_to: 10, unit_amount: 0 }] },
      { code: "parameter_invalid", param: "tiers[0][up_to]" },
    ],
    [
      "an unbounded tier before the last",
      { tiers: [inf, inf] },
      { code: "parameter_invalid", param: "tiers[0][up_to]" },
    ],
    [
      "tiers out of order",
      { tiers: [{ up_to: 10, unit_amount: 0 }, { up_to: 5, unit_amount: 0 }, inf] },
      { code: "parameter_invalid", param: "tiers[1][up_to]" },
    ],
    [
      "an up_to that is not an integer",
      { tiers: [{ up_to: "lots" as unknown as number, unit_amount: 0 }, inf] },
      { code: "parameter_invalid_integer", param: "tiers[0][up_to]" },
    ],
    [
      "a tier without an amount",
      { tiers: [{ up_to: 10 }, inf] },
      { code: "parameter_invalid", param: "tiers[0][unit_amount]" },
    ],
    [
      "both unit_amount and unit_amount_decimal in a tier",
      { tiers: [{ up_to: "inf", unit_amount: 1, unit_amount_decimal: Stripe.Decimal.from("1") }] },
      { code: "parameter_invalid", param: "tiers[0][unit_amount]" },
    ],
    [
      "unit_amount on a tiered price",
      { unit_amount: 5 },
      { code: "parameter_invalid", param: "unit_amount" },
    ],
    [
      "tiers on a per-unit price",
      { billing_scheme: "per_unit", unit_amount: 5 },
      { code: "parameter_invalid", param: "tiers" },
    ],
  ])("refuses %s with Stripe's error", async (_name, change, expected) => {
    const params = { ...graduated(meter.id), ...change };
    const attempt = stripe.prices.create(params);
    await expect(attempt).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    await expect(attempt).rejects.toMatchObject({ type: "StripeInvalidRequestError", ...expected });
  });
});

/** Subscribes a new customer to the flat and the tiered metered price through hosted Checkout. */
async function subscribe(email: string): Promise<{ customer: string; subscription: Stripe.Subscription }> {
  const customer = await stripe.customers.create({ email });
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: flat.id, quantity: 1 }, { price: tiered.id }],
    success_url: "http://localhost:3000/ok",
  });
  await payCheckout(session.url ?? "");
  const subscription = (await stripe.subscriptions.list({ customer: customer.id })).data[0];
  if (!subscription) throw new Error("checkout made no subscription");
  return { customer: customer.id, subscription };
}

async function use(customer: string, units: number): Promise<void> {
  await stripe.billing.meterEvents.create({
    event_name: "api_units",
    payload: { stripe_customer_id: customer, value: String(units) },
  });
}

/** The renewal invoice: the clock moved to the end of the first period. */
async function renewalInvoice(customer: string, subscription: Stripe.Subscription): Promise<Stripe.Invoice> {
  const end = subscription.items.data[0]?.current_period_end ?? 0;
  await sandbox.advanceClock(end - sandbox.now());
  const invoices = await stripe.invoices.list({ customer, limit: 1 });
  const invoice = invoices.data[0];
  if (!invoice || invoice.billing_reason !== "subscription_cycle") throw new Error("no renewal invoice");
  return invoice;
}

const meteredLines = (invoice: Stripe.Invoice) =>
  invoice.lines.data.filter((line) => line.pricing?.price_details?.price === tiered.id);

describe("billing a graduated metered price", () => {
  it("bills only the units beyond the included tier, as the preview said", async () => {
    const { customer, subscription } = await subscribe("overage@example.com");
    const over = 1_500;
    await use(customer, INCLUDED);
    await use(customer, over);

    const preview = await stripe.invoices.createPreview({ customer, subscription: subscription.id });
    const invoice = await renewalInvoice(customer, subscription);
    const lines = meteredLines(invoice);
    expect(
      lines.map((line) => ({
        quantity: line.quantity,
        amount: line.amount,
        unit: line.pricing?.unit_amount_decimal?.toString(),
      })),
    ).toEqual([
      { quantity: INCLUDED, amount: 0, unit: "0" },
      { quantity: over, amount: over * Number(OVERAGE), unit: OVERAGE },
    ]);
    expect(lines[1]?.description).toBe("1500 × Pro (Tier 2 at $0.0020 / unit)");
    // The renewal charges the next month in advance and this month's usage in arrears.
    expect(invoice).toMatchObject({ status: "paid", amount_paid: MONTHLY + over * Number(OVERAGE) });
    expect(preview.amount_due).toBe(invoice.amount_due);
    expect(meteredLines(preview).map((line) => line.amount)).toEqual(lines.map((line) => line.amount));
  });

  it("bills nothing for usage within the included units", async () => {
    const { customer, subscription } = await subscribe("included@example.com");
    await use(customer, INCLUDED - 1);
    const preview = await stripe.invoices.createPreview({ customer, subscription: subscription.id });
    const invoice = await renewalInvoice(customer, subscription);
    expect(meteredLines(invoice).map((line) => [line.quantity, line.amount])).toEqual([[INCLUDED - 1, 0]]);
    expect(invoice.amount_paid).toBe(MONTHLY);
    expect(preview.amount_due).toBe(MONTHLY);
  });

  it("shows the tiers on the hosted Checkout page and on expanded subscription items", async () => {
    const customer = await stripe.customers.create({ email: "page@example.com" });
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: flat.id, quantity: 1 }, { price: tiered.id }],
      success_url: "http://localhost:3000/ok",
    });
    expect(session.amount_total).toBe(MONTHLY);
    const { page } = await payCheckout(session.url ?? "");
    expect(page).toContain(
      "Graduated pricing: first 50,000 units at USD 0.00; above 50,000 units at USD 0.0020",
    );
    const [subscription] = (
      await stripe.subscriptions.list({ customer: customer.id, expand: ["data.items.data.price.tiers"] })
    ).data;
    const item = subscription?.items.data.find((entry) => entry.price.id === tiered.id);
    expect(decimals(item?.price.tiers)).toEqual(expectedTiers);
    expect(item?.plan).toMatchObject({ billing_scheme: "tiered", tiers_mode: "graduated", amount: null });
  });
});

describe("a sandbox with a state file", () => {
  it("keeps tiers across restarts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stripe-tiers-"));
    try {
      const stateFile = join(dir, "state.json");
      const first = await createStripeSandbox({ port: 0, stateFile });
      const client = sdkFor(first);
      const owner = await client.products.create({ name: "Kept" });
      const price = await client.prices.create({
        product: owner.id,
        currency: "usd",
        billing_scheme: "tiered",
        tiers_mode: "graduated",
        tiers: [
          { up_to: 5, unit_amount: 0 },
          { up_to: "inf", unit_amount: 3 },
        ],
      });
      await first.close();
      const second = await createStripeSandbox({ port: 0, stateFile });
      try {
        const read = await sdkFor(second).prices.retrieve(price.id, { expand: ["tiers"] });
        expect(read.tiers?.map((tier) => [tier.up_to, tier.unit_amount])).toEqual([
          [5, 0],
          [null, 3],
        ]);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
