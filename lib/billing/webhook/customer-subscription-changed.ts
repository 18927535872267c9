import "server-only";
import type Stripe from "stripe";
import type { EventHandler } from "./context";
import { syncSubscription } from "./sync-subscription";

type SubscriptionEvent =
  | Stripe.CustomerSubscriptionCreatedEvent
  | Stripe.CustomerSubscriptionUpdatedEvent
  | Stripe.CustomerSubscriptionDeletedEvent
  | Stripe.CustomerSubscriptionPausedEvent
  | Stripe.CustomerSubscriptionResumedEvent;

/**
 * customer.subscription.created / updated / deleted / paused / resumed – sync the subscription as
 * Stripe has it now (the event's snapshot may be older than what is stored).
 */
export const customerSubscriptionChanged: EventHandler<SubscriptionEvent> = (context) =>
  syncSubscription(context, context.event.data.object.id);
