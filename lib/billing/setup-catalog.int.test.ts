import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStripeSandbox, type StripeSandbox } from "@/dev/stripe";
import { sdkFor } from "@/dev/stripe/testing";
import { FEATURES, METER, paidPlans, PLANS } from "./plans";
import { setupCatalog } from "./setup-catalog";

let sandbox: StripeSandbox;
let stripe: Stripe;

beforeAll(async () => {
  sandbox = await createStripeSandbox({ port: 0 });
  stripe = sdkFor(sandbox);
});
afterAll(() => sandbox.close());

describe("setupCatalog against the local Stripe sandbox", () => {
  it("creates the whole catalog on the first run", async () => {
    const changes = await setupCatalog(stripe);
    expect(changes.updated).toEqual([]);
    const paid = paidPlans();
    const featureLinks = paid.reduce((sum, plan) => sum + plan.features.length, 0);
    expect(changes.created).toHaveLength(Object.keys(FEATURES).length + 1 + paid.length * 3 + featureLinks);
    const features = await stripe.entitlements.features.list({ limit: 100 });
    expect(features.data.map((feature) => feature.lookup_key).sort()).toEqual(Object.keys(FEATURES).sort());
    const meters = await stripe.billing.meters.list();
    expect(meters.data.map((meter) => meter.event_name)).toEqual([METER.eventName]);
    const pro = await stripe.products.listFeatures("tollgate_pro");
    expect(pro.data.map((entry) => entry.entitlement_feature.lookup_key).sort()).toEqual(
      [...PLANS.pro.features].sort(),
    );
  });

  it("creates and changes nothing on the second run", async () => {
    const changes = await setupCatalog(stripe);
    expect(changes).toMatchObject({ created: [], updated: [] });
    expect(changes.unchanged.length).toBeGreaterThan(0);
    const prices = await stripe.prices.list({ limit: 100 });
    expect(prices.data).toHaveLength(paidPlans().length * 2);
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
    const changes = await setupCatalog(stripe);
    expect(changes).toMatchObject({ created: [], updated: ["price tollgate_pro_monthly"] });
    const [current] = (await stripe.prices.list({ lookup_keys: ["tollgate_pro_monthly"] })).data;
    expect(current?.id).not.toBe(manual.id);
    expect(current?.unit_amount).toBe(2_900);
    expect((await stripe.prices.retrieve(manual.id)).active).toBe(false);
    expect((await setupCatalog(stripe)).updated).toEqual([]);
  });
});
