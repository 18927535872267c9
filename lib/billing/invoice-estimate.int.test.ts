import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStripeSandbox, type StripeSandbox } from "@tollgate/stripe-sandbox";
import { sdkFor } from "@tollgate/stripe-sandbox/testing";
import { subscribeThroughCheckout } from "@/test/stripe-checkout";
import { estimateNextInvoice } from "./invoice-estimate";
import { PLANS } from "./plans";
import { setupStripeProducts } from "./setup-stripe-products";

let sandbox: StripeSandbox;
let stripe: Stripe;
const fromCatalog = { currency: "usd", amountCents: 1 };

beforeAll(async () => {
  sandbox = await createStripeSandbox({ port: 0 });
  stripe = sdkFor(sandbox);
  await setupStripeProducts(stripe);
});
afterAll(() => sandbox.close());

describe("estimateNextInvoice", () => {
  it("asks Stripe for a subscribed customer's upcoming invoice", async () => {
    const customer = await stripe.customers.create({ email: "estimate@example.com" });
    const pro = PLANS.pro.stripe;
    if (!pro) throw new Error("no Pro plan");
    const subscriptionId = await subscribeThroughCheckout(stripe, customer.id, "pro");
    const estimate = await estimateNextInvoice(
      stripe,
      { stripeCustomerId: customer.id, subscriptionId },
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
