import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { createStripeSandbox, type StripeSandbox } from "./create-stripe-sandbox";
import { createMeter, createPlan, sdkFor } from "./testing";

let sandbox: StripeSandbox;
let stripe: Stripe;

beforeAll(async () => {
  sandbox = await createStripeSandbox();
  stripe = sdkFor(sandbox);
});
afterAll(() => sandbox.close());

describe("products, prices, meters and features", () => {
  it("creates products, prices, a meter and features, and finds prices by lookup key", async () => {
    const meter = await createMeter(stripe, "api_call");
    expect(meter).toMatchObject({
      object: "billing.meter",
      status: "active",
      customer_mapping: { event_payload_key: "stripe_customer_id", type: "by_id" },
      value_settings: { event_payload_key: "value" },
    });
    const read = await stripe.entitlements.features.create({ name: "Read", lookup_key: "read:things" });
    const write = await stripe.entitlements.features.create({ name: "Write", lookup_key: "write:things" });
    const pro = await createPlan(stripe, {
      name: "Pro",
      key: "pro",
      monthly: 2000,
      perUnitDecimal: "0.05",
      meter,
      features: [read, write],
    });

    expect(pro.metered.unit_amount_decimal?.toString()).toBe("0.05");
    expect(pro.metered.recurring).toMatchObject({
      usage_type: "metered",
      meter: meter.id,
      interval: "month",
    });
    expect(pro.flat.unit_amount).toBe(2000);

    const found = await stripe.prices.list({
      lookup_keys: ["pro_monthly", "pro_usage"],
      expand: ["data.product"],
    });
    expect(found.data.map((price) => price.lookup_key).sort()).toEqual(["pro_monthly", "pro_usage"]);
    expect((found.data[0]?.product as Stripe.Product).name).toBe("Pro");

    const features = await stripe.products.listFeatures(pro.product.id);
    expect(features.data.map((entry) => entry.entitlement_feature.lookup_key).sort()).toEqual([
      "read:things",
      "write:things",
    ]);
    expect((await stripe.entitlements.features.list({ lookup_key: "read:things" })).data).toHaveLength(1);
    expect((await stripe.billing.meters.list()).data.map((entry) => entry.event_name)).toContain("api_call");
  });

  it("moves a lookup key only with transfer_lookup_key", async () => {
    const product = await stripe.products.create({ name: "Team" });
    const first = await stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 100,
      recurring: { interval: "month" },
      lookup_key: "team_monthly",
    });
    await expect(
      stripe.prices.create({
        product: product.id,
        currency: "usd",
        unit_amount: 200,
        recurring: { interval: "month" },
        lookup_key: "team_monthly",
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: "lookup_key" });
    const second = await stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 200,
      recurring: { interval: "month" },
      lookup_key: "team_monthly",
      transfer_lookup_key: true,
    });
    expect((await stripe.prices.retrieve(first.id)).lookup_key).toBeNull();
    expect(
      (await stripe.prices.list({ lookup_keys: ["team_monthly"] })).data.map((price) => price.id),
    ).toEqual([second.id]);
    const archived = await stripe.prices.update(first.id, { active: false });
    expect(archived.active).toBe(false);
    expect((await stripe.prices.list({ product: product.id, active: true })).data).toHaveLength(1);
  });

  it("refuses a metered price without a meter and a duplicate feature lookup key", async () => {
    const product = await stripe.products.create({ name: "Broken" });
    await expect(
      stripe.prices.create({
        product: product.id,
        currency: "usd",
        unit_amount: 1,
        recurring: { interval: "month", usage_type: "metered" },
      }),
    ).rejects.toMatchObject({ statusCode: 400, code: "parameter_missing", param: "recurring[meter]" });
    await stripe.entitlements.features.create({ name: "X", lookup_key: "x:once" });
    await expect(
      stripe.entitlements.features.create({ name: "X", lookup_key: "x:once" }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });
});
