import "server-only";
import type Stripe from "stripe";
import { pricesFor, type Plan, type StripePlan } from "./plans";

/** A paid plan whose prices are missing in Stripe (run `npm run setup:stripe`). */
export class PlanNotInStripeError extends Error {
  readonly code = "ERR_PLAN_PRICES_MISSING";
  constructor(planName: string) {
    super(`The ${planName} plan is not set up in Stripe yet. Run npm run setup:stripe, then try again.`);
    this.name = "PlanNotInStripeError";
  }
}

/** What a Checkout Session for a plan is made with, besides the plan's prices. */
export interface CheckoutOptions {
  plan: Plan & { stripe: StripePlan };
  /** "month" or "year"; anything else is refused (ERR_UNKNOWN_INTERVAL, ERR_NO_ANNUAL_PRICE). */
  interval: string;
  stripeCustomerId: string;
  successUrl: string;
  cancelUrl: string;
  /** Stripe Tax (`STRIPE_TAX=on`): tax computed from a billing address Checkout requires. */
  tax: boolean;
}

/**
 * A subscription-mode Checkout Session for a paid plan at an interval: its flat and metered prices
 * for that interval, found by lookup key, for an existing Stripe customer. Promotion codes are
 * accepted; the plan's trial is given only to a customer who never had a subscription (Stripe keeps
 * ended ones), so cancelling and subscribing again never starts a second trial. The subscription
 * itself is recorded from the webhook, never from the redirect.
 */
export async function createCheckoutSession(
  stripe: Stripe,
  options: CheckoutOptions,
): Promise<Stripe.Checkout.Session & { url: string }> {
  const prices = pricesFor(options.plan, options.interval);
  const found = await stripe.prices.list({
    lookup_keys: [prices.flat.lookupKey, prices.meteredLookupKey],
    active: true,
  });
  const flat = found.data.find((price) => price.lookup_key === prices.flat.lookupKey);
  const metered = found.data.find((price) => price.lookup_key === prices.meteredLookupKey);
  if (!flat || !metered) throw new PlanNotInStripeError(options.plan.name);
  const trialDays = options.plan.stripe.trialDays;
  const trial =
    trialDays !== undefined && !(await hasHadSubscription(stripe, options.stripeCustomerId))
      ? { trial_period_days: trialDays }
      : {};
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: options.stripeCustomerId,
    line_items: [{ price: flat.id, quantity: 1 }, { price: metered.id }],
    allow_promotion_codes: true,
    subscription_data: {
      ...trial,
      metadata: { tollgate_plan: options.plan.id, tollgate_interval: prices.interval },
    },
    // Stripe Tax needs the buyer's location: Checkout asks for the billing address and saves it (and
    // the name) on the customer, which Stripe requires for automatic tax on an existing customer.
    ...(options.tax
      ? {
          automatic_tax: { enabled: true },
          billing_address_collection: "required" as const,
          customer_update: { address: "auto" as const, name: "auto" as const },
        }
      : {}),
    success_url: options.successUrl,
    cancel_url: options.cancelUrl,
  });
  if (!session.url) throw new Error("Stripe returned a Checkout Session without a URL");
  return { ...session, url: session.url };
}

/** Whether a Stripe customer has ever had a subscription, in any status (ended ones included). */
export async function hasHadSubscription(stripe: Stripe, stripeCustomerId: string): Promise<boolean> {
  const page = await stripe.subscriptions.list({ customer: stripeCustomerId, status: "all", limit: 1 });
  return page.data.length > 0;
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
