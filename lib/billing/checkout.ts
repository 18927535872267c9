import "server-only";
import type Stripe from "stripe";
import type { Plan, StripePlan } from "./plans";

/** A paid plan whose prices are missing in Stripe (run `npm run setup:stripe`). */
export class PlanNotInStripeError extends Error {
  readonly code = "ERR_PLAN_PRICES_MISSING";
  constructor(planName: string) {
    super(`The ${planName} plan is not set up in Stripe yet. Run npm run setup:stripe, then try again.`);
    this.name = "PlanNotInStripeError";
  }
}

/**
 * A subscription-mode Checkout Session for a paid plan: its flat and metered prices, found by lookup
 * key, for an existing Stripe customer. Returns the hosted page's URL. The subscription itself is
 * recorded from the webhook, never from the redirect.
 */
export async function createCheckoutSession(
  stripe: Stripe,
  options: {
    plan: Plan & { stripe: StripePlan };
    stripeCustomerId: string;
    successUrl: string;
    cancelUrl: string;
  },
): Promise<string> {
  const { flatPrice, meteredPrice } = options.plan.stripe;
  const prices = await stripe.prices.list({
    lookup_keys: [flatPrice.lookupKey, meteredPrice.lookupKey],
    active: true,
  });
  const flat = prices.data.find((price) => price.lookup_key === flatPrice.lookupKey);
  const metered = prices.data.find((price) => price.lookup_key === meteredPrice.lookupKey);
  if (!flat || !metered) throw new PlanNotInStripeError(options.plan.name);
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: options.stripeCustomerId,
    line_items: [{ price: flat.id, quantity: 1 }, { price: metered.id }],
    success_url: options.successUrl,
    cancel_url: options.cancelUrl,
  });
  if (!session.url) throw new Error("Stripe returned a Checkout Session without a URL");
  return session.url;
}

/** A Customer Portal session for a Stripe customer; returns its URL. */
export async function createPortalSession(
  stripe: Stripe,
  options: { stripeCustomerId: string; returnUrl: string },
): Promise<string> {
  const session = await stripe.billingPortal.sessions.create({
    customer: options.stripeCustomerId,
    return_url: options.returnUrl,
  });
  return session.url;
}
