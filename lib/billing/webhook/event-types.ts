import type Stripe from "stripe";

/**
 * The Stripe events the webhook applies; every other type is acknowledged and ignored. Enable exactly
 * these on the endpoint (`npm run setup:stripe` prints them).
 */
export const HANDLED_EVENT_TYPES = [
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "customer.subscription.paused",
  "customer.subscription.resumed",
  "invoice.paid",
  "invoice.payment_failed",
  "entitlements.active_entitlement_summary.updated",
  "customer.deleted",
] as const satisfies readonly Stripe.Event.Type[];

export type HandledEventType = (typeof HANDLED_EVENT_TYPES)[number];

/** A handled event, narrowed by its type. */
export type HandledEvent = Extract<Stripe.Event, { type: HandledEventType }>;

const HANDLED: ReadonlySet<string> = new Set(HANDLED_EVENT_TYPES);

/** Whether the webhook applies events of this type. */
export function isHandledEvent(event: Stripe.Event): event is HandledEvent {
  return HANDLED.has(event.type);
}
