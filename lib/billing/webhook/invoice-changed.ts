import "server-only";
import type Stripe from "stripe";
import { idOf, type EventHandler } from "./context";
import { syncSubscription } from "./sync-subscription";

/**
 * invoice.paid / invoice.payment_failed – a renewal succeeded or failed: sync its subscription (now
 * active or past_due). Since 2025-03-31 an invoice's subscription is under `parent.subscription_details`.
 */
export const invoiceChanged: EventHandler<
  Stripe.InvoicePaidEvent | Stripe.InvoicePaymentFailedEvent
> = async (context) => {
  const subscriptionId = idOf(context.event.data.object.parent?.subscription_details?.subscription);
  if (!subscriptionId) return ["invoice without a subscription, nothing to do"];
  return syncSubscription(context, subscriptionId);
};
