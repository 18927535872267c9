import type Stripe from "stripe";
import { payCheckout } from "@tollgate/stripe-sandbox/testing";
import { PLANS, type PlanId } from "@/lib/billing/plans";

/** The id of the price with a lookup key (the catalog's prices are found by lookup key). */
export async function priceIdFor(stripe: Stripe, lookupKey: string): Promise<string> {
  const price = (await stripe.prices.list({ lookup_keys: [lookupKey] })).data[0];
  if (!price) throw new Error(`no price ${lookupKey}: run setupStripeProducts first`);
  return price.id;
}

/**
 * Subscribes a Stripe customer to a paid plan through the sandbox's hosted Checkout (which also puts a
 * card on file), as a person would; returns the subscription id.
 */
export async function subscribeThroughCheckout(
  stripe: Stripe,
  stripeCustomerId: string,
  plan: Exclude<PlanId, "free">,
): Promise<string> {
  const prices = PLANS[plan].stripe;
  if (!prices) throw new Error(`${plan} has no Stripe prices`);
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: stripeCustomerId,
    line_items: [
      { price: await priceIdFor(stripe, prices.flatPrice.lookupKey), quantity: 1 },
      { price: await priceIdFor(stripe, prices.meteredPrice.lookupKey) },
    ],
    success_url: "http://localhost:3000/dashboard/billing?done=1",
    cancel_url: "http://localhost:3000/dashboard/billing",
  });
  if (!session.url) throw new Error("no checkout url");
  await payCheckout(session.url);
  const subscription = (await stripe.subscriptions.list({ customer: stripeCustomerId })).data[0];
  if (!subscription) throw new Error("checkout made no subscription");
  return subscription.id;
}
