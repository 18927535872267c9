import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStripeSandbox, type StripeSandbox } from "@tollgate/stripe-sandbox";
import { sdkFor } from "@tollgate/stripe-sandbox/testing";
import { FEATURES, limitsFor, METER, paidPlans, PLANS, type PlanId } from "./plans";
import { DEMO_PROMOTION_CODE, priceSpecs, setupStripeProducts } from "./setup-stripe-products";

let sandbox: StripeSandbox;
let stripe: Stripe;

beforeAll(async () => {
  sandbox = await createStripeSandbox({ port: 0 });
  stripe = sdkFor(sandbox);
});
afterAll(() => sandbox.close());

describe("setupStripeProducts against the local Stripe sandbox", () => {
  it("creates the whole catalog on the first run", async () => {
    const changes = await setupStripeProducts(stripe);
    expect(changes.updated).toEqual([]);
    const paid = paidPlans();
    const featureLinks = paid.reduce((sum, plan) => sum + plan.features.length, 0);
    const prices = paid.reduce((sum, plan) => sum + priceSpecs(plan).length, 0);
    expect(changes.created).toHaveLength(
      Object.keys(FEATURES).length + 1 + paid.length + prices + featureLinks,
    );
    expect(changes.created).not.toContain(`promotion code ${DEMO_PROMOTION_CODE.code}`);
    const features = await stripe.entitlements.features.list({ limit: 100 });
    expect(features.data.map((feature) => feature.lookup_key).sort()).toEqual(Object.keys(FEATURES).sort());
    const meters = await stripe.billing.meters.list();
    expect(meters.data.map((meter) => meter.event_name)).toEqual([METER.eventName]);
    const pro = await stripe.products.listFeatures("tollgate_pro");
    expect(pro.data.map((entry) => entry.entitlement_feature.lookup_key).sort()).toEqual(
      [...PLANS.pro.features].sort(),
    );
  });

  it("makes each metered price graduated: the plan's included units at 0, then the overage rate", async () => {
    for (const plan of paidPlans()) {
      const [metered] = (
        await stripe.prices.list({
          lookup_keys: [plan.stripe.meteredPrice.lookupKey],
          expand: ["data.tiers"],
        })
      ).data;
      expect(metered).toMatchObject({
        product: plan.stripe.productId,
        billing_scheme: "tiered",
        tiers_mode: "graduated",
        unit_amount: null,
        recurring: { usage_type: "metered", interval: "month" },
      });
      expect(
        metered?.tiers?.map((tier) => [tier.up_to, tier.unit_amount_decimal?.toString(), tier.flat_amount]),
      ).toEqual([
        [plan.limits.includedUnits, "0", null],
        [null, plan.stripe.meteredPrice.unitAmountDecimalCents, null],
      ]);
    }
  });

  it("sells each plan with an annual price a year at a time: a yearly fee and a yearly metered price with 12 months' units included", async () => {
    const annual = paidPlans().filter((plan) => plan.stripe.yearlyPrice);
    expect(annual.map((plan) => plan.id)).toEqual(["pro", "scale"]);
    for (const plan of annual) {
      const yearly = plan.stripe.yearlyPrice;
      if (!yearly) throw new Error("no yearly price");
      const found = (
        await stripe.prices.list({
          lookup_keys: [yearly.lookupKey, yearly.meteredLookupKey],
          expand: ["data.tiers"],
        })
      ).data;
      const flat = found.find((price) => price.lookup_key === yearly.lookupKey);
      const metered = found.find((price) => price.lookup_key === yearly.meteredLookupKey);
      expect(flat).toMatchObject({
        product: plan.stripe.productId,
        unit_amount: yearly.unitAmountCents,
        recurring: { interval: "year", usage_type: "licensed" },
      });
      expect(metered).toMatchObject({
        product: plan.stripe.productId,
        recurring: { interval: "year", usage_type: "metered" },
        tiers_mode: "graduated",
      });
      expect(metered?.tiers?.map((tier) => tier.up_to)).toEqual([plan.limits.includedUnits * 12, null]);
      expect(limitsFor(plan, "year").includedUnits).toBe(plan.limits.includedUnits * 12);
    }
    // The monthly prices keep their lookup keys, so existing subscriptions and links still find them.
    const monthly = (await stripe.prices.list({ lookup_keys: ["tollgate_pro_monthly"] })).data[0];
    expect(monthly?.recurring?.interval).toBe("month");
  });

  it("creates and changes nothing on the second run", async () => {
    const changes = await setupStripeProducts(stripe);
    expect(changes).toMatchObject({ created: [], updated: [] });
    expect(changes.unchanged.length).toBeGreaterThan(0);
    const prices = await stripe.prices.list({ limit: 100 });
    expect(prices.data).toHaveLength(paidPlans().reduce((sum, plan) => sum + priceSpecs(plan).length, 0));
  });

  it("moves a lookup key to a new price when the amount changes, archiving the old one", async () => {
    const [old] = (await stripe.prices.list({ lookup_keys: ["tollgate_pro_monthly"] })).data;
    if (!old) throw new Error("no price");
    // Someone changed the price by hand in Stripe; the catalog puts its own back under the key.
    const manual = await stripe.prices.create({
      product: "tollgate_pro",
      currency: "usd",
      unit_amount: 3_900,
      recurring: { interval: "month" },
      lookup_key: "tollgate_pro_monthly",
      transfer_lookup_key: true,
    });
    const changes = await setupStripeProducts(stripe);
    expect(changes).toMatchObject({ created: [], updated: ["price tollgate_pro_monthly"] });
    const [current] = (await stripe.prices.list({ lookup_keys: ["tollgate_pro_monthly"] })).data;
    expect(current?.id).not.toBe(manual.id);
    expect(current?.unit_amount).toBe(2_900);
    expect((await stripe.prices.retrieve(manual.id)).active).toBe(false);
    expect((await setupStripeProducts(stripe)).updated).toEqual([]);
  });
});

describe("setupStripeProducts with the demo promotion code (local sandbox only)", () => {
  it("creates the WELCOME20 coupon and code once, and a customer can redeem it at Checkout", async () => {
    const local = await createStripeSandbox({ port: 0 });
    try {
      const client = sdkFor(local);
      const first = await setupStripeProducts(client, { demoPromotionCode: true });
      expect(first.created).toEqual(
        expect.arrayContaining([
          `coupon ${DEMO_PROMOTION_CODE.couponId}`,
          `promotion code ${DEMO_PROMOTION_CODE.code}`,
        ]),
      );
      const again = await setupStripeProducts(client, { demoPromotionCode: true });
      expect(again).toMatchObject({ created: [], updated: [] });
      const codes = (await client.promotionCodes.list({ code: DEMO_PROMOTION_CODE.code })).data;
      expect(codes).toHaveLength(1);
      expect(await client.coupons.retrieve(DEMO_PROMOTION_CODE.couponId)).toMatchObject({
        percent_off: 20,
        duration: "once",
      });
    } finally {
      await local.close();
    }
  });
});

describe("setupStripeProducts on an account set up by the previous version (per-unit metered prices)", () => {
  let old: StripeSandbox;
  let client: Stripe;
  const oldPrices = new Map<PlanId, string>();

  beforeAll(async () => {
    old = await createStripeSandbox({ port: 0 });
    client = sdkFor(old);
    // What the previous setupStripeProducts made: the same objects, but a per-unit metered price billing
    // every unit. Made here from today's catalog, whose graduated prices are then archived.
    await setupStripeProducts(client);
    const meter = (await client.billing.meters.list()).data[0];
    if (!meter) throw new Error("no meter");
    for (const plan of paidPlans()) {
      const [graduated] = (await client.prices.list({ lookup_keys: [plan.stripe.meteredPrice.lookupKey] }))
        .data;
      if (!graduated) throw new Error("no metered price");
      const perUnit = await client.prices.create({
        product: plan.stripe.productId,
        currency: "usd",
        unit_amount_decimal: Stripe.Decimal.from(plan.stripe.meteredPrice.unitAmountDecimalCents),
        recurring: { interval: "month", usage_type: "metered", meter: meter.id },
        lookup_key: plan.stripe.meteredPrice.lookupKey,
        transfer_lookup_key: true,
      });
      await client.prices.update(graduated.id, { active: false });
      oldPrices.set(plan.id, perUnit.id);
    }
  });
  afterAll(() => old.close());

  it("replaces each per-unit metered price with a graduated one under the same lookup key", async () => {
    const changes = await setupStripeProducts(client);
    expect(changes.created).toEqual([]);
    expect(changes.updated.sort()).toEqual(
      paidPlans()
        .map((plan) => `price ${plan.stripe.meteredPrice.lookupKey}`)
        .sort(),
    );
    for (const plan of paidPlans()) {
      const [current] = (
        await client.prices.list({
          lookup_keys: [plan.stripe.meteredPrice.lookupKey],
          expand: ["data.tiers"],
        })
      ).data;
      expect(current?.id).not.toBe(oldPrices.get(plan.id));
      expect(current).toMatchObject({ billing_scheme: "tiered", tiers_mode: "graduated", active: true });
      expect(current?.tiers?.[0]?.up_to).toBe(plan.limits.includedUnits);
      // The old price is archived and has given up its lookup key.
      const previous = await client.prices.retrieve(oldPrices.get(plan.id) ?? "");
      expect(previous).toMatchObject({ active: false, lookup_key: null, billing_scheme: "per_unit" });
    }
  });

  it("creates and changes nothing on the run after the migration", async () => {
    const before = (await client.prices.list({ limit: 100 })).data.length;
    const changes = await setupStripeProducts(client);
    expect(changes).toMatchObject({ created: [], updated: [] });
    expect((await client.prices.list({ limit: 100 })).data).toHaveLength(before);
  });
});
