import "server-only";
import Stripe from "stripe";
import { intervalOfPrices, planForPrices } from "@/lib/billing/plans";
import { idOf, type EventContext } from "./context";
import { syncEntitlements } from "./sync-entitlements";

/**
 * Writes a subscription as Stripe has it now, then the customer's entitlements. Never from the
 * event's snapshot: events arrive late, twice and out of order, so every write derives from a freshly
 * retrieved object. The caller holds the customer's row lock, so handlers of one customer run one at
 * a time and each reads Stripe after the previous one committed: the later write has the newer state.
 * `stripeUpdatedAt` (Stripe's clock when we read it) additionally refuses a state read before the one
 * stored, should anything write without the lock.
 */
export async function syncSubscription(
  context: Omit<EventContext, "event">,
  subscriptionId: string,
): Promise<string[]> {
  const { tx, stripe, customer } = context;
  let subscription: Stripe.Response<Stripe.Subscription>;
  try {
    subscription = await stripe.subscriptions.retrieve(subscriptionId);
  } catch (error) {
    if (error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "resource_missing") {
      return [`subscription ${subscriptionId}: not found in Stripe, skipped`];
    }
    throw error;
  }
  if (idOf(subscription.customer) !== customer.stripeCustomerId) {
    return [`subscription ${subscriptionId}: belongs to another customer, skipped`];
  }
  const readAt = stripeClockOf(subscription);
  const row = subscriptionRow(subscription);
  const stored = await tx.subscription.findUnique({
    where: { id: subscription.id },
    select: { stripeUpdatedAt: true },
  });
  const actions: string[] = [];
  if (stored && stored.stripeUpdatedAt > readAt) {
    actions.push(`subscription ${subscription.id}: stored state is newer, kept`);
  } else {
    const data = { ...row, customerId: customer.id, stripeUpdatedAt: readAt };
    await tx.subscription.upsert({
      where: { id: subscription.id },
      create: { id: subscription.id, ...data },
      update: data,
    });
    actions.push(`subscription ${subscription.id}: ${row.status} (${row.plan})`);
  }
  actions.push(await syncEntitlements(context));
  return actions;
}

/** The Subscription row's Stripe-derived fields. Exported for tests. */
export function subscriptionRow(subscription: Stripe.Subscription) {
  const items = subscription.items.data;
  const prices = items.map((item) => item.price);
  const plan = planForPrices(prices);
  // Since API version 2025-03-31 the billing period lives on each item; items of one subscription
  // share an interval here, so the earliest start and latest end are the subscription's period.
  const starts = items.map((item) => item.current_period_start);
  const ends = items.map((item) => item.current_period_end);
  const start = starts.length > 0 ? Math.min(...starts) : subscription.start_date;
  const end = ends.length > 0 ? Math.max(...ends) : subscription.start_date;
  return {
    status: subscription.status,
    plan: plan?.id ?? "unknown",
    // Every item of one subscription shares its interval (Checkout cannot mix them).
    interval: intervalOfPrices(prices),
    trialEnd: subscription.trial_end === null ? null : new Date(subscription.trial_end * 1000),
    currentPeriodStart: new Date(start * 1000),
    currentPeriodEnd: new Date(end * 1000),
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    // Newer API versions and the portal in flexible billing mode end a subscription with `cancel_at`
    // alone, leaving `cancel_at_period_end` false: store it, or the page would promise a renewal.
    cancelAt: subscription.cancel_at === null ? null : new Date(subscription.cancel_at * 1000),
    canceledAt: subscription.canceled_at === null ? null : new Date(subscription.canceled_at * 1000),
  };
}

/** When Stripe produced a response (its Date header), else our clock. */
function stripeClockOf(response: Stripe.Response<unknown>): Date {
  const headers = response.lastResponse.headers;
  const date = Object.entries(headers).find(([name]) => name.toLowerCase() === "date")?.[1];
  const parsed = date ? Date.parse(date) : Number.NaN;
  return Number.isNaN(parsed) ? new Date() : new Date(parsed);
}
