import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStripeSandbox, type StripeSandbox } from "@/dev/stripe";
import { payCheckout, sdkFor } from "@/dev/stripe/testing";
import { estimateNextInvoice } from "./invoice-estimate";
import { PLANS } from "./plans";
import { setupCatalog } from "./setup-catalog";

let sandbox: StripeSandbox;
let stripe: Stripe;
const fromCatalog = { currency: "usd", amountCents: 1 };

beforeAll(async () => {
  sandbox = await createStripeSandbox({ port: 0 });
  stripe = sdkFor(sandbox);
  await setupCatalog(stripe);
});
afterAll(() => sandbox.close());

describe("estimateNextInvoice", () => {
  it("asks Stripe for a subscribed customer's upcoming invoice", async () => {
    const customer = await stripe.customers.create({ email: "estimate@example.com" });
    const pro = PLANS.pro.stripe;
    if (!pro) throw new Error("no Pro plan");
    const prices = await stripe.prices.list({
      lookup_keys: [pro.flatPrice.lookupKey, pro.meteredPrice.lookupKey],
    });
    const line = (key: string) => prices.data.find((price) => price.lookup_key === key)?.id ?? "";
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer: customer.id,
      line_items: [
        { price: line(pro.flatPrice.lookupKey), quantity: 1 },
        { price: line(pro.meteredPrice.lookupKey) },
      ],
      success_url: "http://localhost:3000/",
      cancel_url: "http://localhost:3000/",
    });
    await payCheckout(session.url ?? "");
    const subscription = (await stripe.subscriptions.list({ customer: customer.id })).data[0];
    const estimate = await estimateNextInvoice(
      stripe,
      { stripeCustomerId: customer.id, subscriptionId: subscription?.id ?? null },
      fromCatalog,
    );
    expect(estimate).toEqual({
      currency: "usd",
      amountCents: pro.flatPrice.unitAmountCents,
      source: "stripe",
    });
  });

  it("uses the catalog without a subscription, or when Stripe does not answer", async () => {
    expect(
      await estimateNextInvoice(stripe, { stripeCustomerId: "cus_x", subscriptionId: null }, fromCatalog),
    ).toEqual({
      ...fromCatalog,
      source: "catalog",
    });
    const unreachable = new Stripe("sk_test_x", {
      host: "127.0.0.1",
      port: 1,
      protocol: "http",
      maxNetworkRetries: 0,
    });
    expect(
      await estimateNextInvoice(
        unreachable,
        { stripeCustomerId: "cus_x", subscriptionId: "sub_x" },
        fromCatalog,
      ),
    ).toEqual({ ...fromCatalog, source: "catalog" });
  });
});
