import "server-only";
import type Stripe from "stripe";
import { idOf, type EventHandler } from "./context";
import { syncSubscription } from "./sync-subscription";

/** checkout.session.completed – a subscription Checkout finished: sync the subscription it made. */
export const checkoutSessionCompleted: EventHandler<Stripe.CheckoutSessionCompletedEvent> = async (
  context,
) => {
  const session = context.event.data.object;
  const subscriptionId = idOf(session.subscription);
  if (session.mode !== "subscription" || !subscriptionId)
    return ["not a subscription checkout, nothing to do"];
  return syncSubscription(context, subscriptionId);
};
