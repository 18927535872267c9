import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { LOCAL_STRIPE } from "./constants";
import { payCheckout, startSandboxWithReceiver } from "./testing";

let harness: Awaited<ReturnType<typeof startSandboxWithReceiver>>;
beforeAll(async () => {
  harness = await startSandboxWithReceiver();
});
afterAll(() => harness.close());

describe("active entitlements", () => {
  it("pages more than 10 entitlements; the summary event holds 10 and has_more", async () => {
    const { stripe, sandbox } = harness;
    const product = await stripe.products.create({ name: "Everything" });
    const price = await stripe.prices.create({
      product: product.id,
      currency: "usd",
      unit_amount: 500,
      recurring: { interval: "month" },
    });
    const keys: string[] = [];
    for (let i = 0; i < 13; i++) {
      const feature = await stripe.entitlements.features.create({ name: `F${i}`, lookup_key: `scope:${i}` });
      await stripe.products.createFeature(product.id, { entitlement_feature: feature.id });
      keys.push(feature.lookup_key);
    }
    const customer = await stripe.customers.create({ email: "many@example.com" });
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      line_items: [{ price: price.id, quantity: 1 }],
      success_url: "http://localhost:3000/ok",
    });
    await payCheckout(session.url ?? "");

    const firstPage = await stripe.entitlements.activeEntitlements.list({ customer: customer.id });
    expect(firstPage.data).toHaveLength(10);
    expect(firstPage.has_more).toBe(true);
    const all: string[] = [];
    for await (const entitlement of stripe.entitlements.activeEntitlements.list({
      customer: customer.id,
      limit: 5,
    })) {
      all.push(entitlement.lookup_key);
    }
    expect(all.sort()).toEqual([...keys].sort());

    await sandbox.webhooksIdle();
    const summaries = harness.receiver.received
      .map((hook) =>
        stripe.webhooks.constructEvent(hook.rawBody, hook.signature, LOCAL_STRIPE.testWebhookSecret),
      )
      .filter(
        (event): event is Stripe.EntitlementsActiveEntitlementSummaryUpdatedEvent =>
          event.type === "entitlements.active_entitlement_summary.updated",
      );
    const summary = summaries.at(-1)?.data.object;
    expect(summary?.customer).toBe(customer.id);
    expect(summary?.entitlements.data).toHaveLength(10);
    expect(summary?.entitlements.has_more).toBe(true);
  });
});
