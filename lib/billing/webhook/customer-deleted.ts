import "server-only";
import type Stripe from "stripe";
import type { EventHandler } from "./context";

/**
 * customer.deleted – the Stripe customer is gone (Stripe cancels its subscriptions). Deletion is final,
 * so applying it needs no fresh read: end the subscriptions, drop the entitlements and unlink the
 * customer row (it keeps its users and data; the next sign-in creates a new Stripe customer).
 */
export const customerDeleted: EventHandler<Stripe.CustomerDeletedEvent> = async ({ tx, customer }) => {
  const ended = await tx.subscription.updateMany({
    where: { customerId: customer.id, status: { not: "canceled" } },
    data: { status: "canceled", canceledAt: new Date(), stripeUpdatedAt: new Date() },
  });
  const dropped = await tx.entitlement.deleteMany({ where: { customerId: customer.id } });
  await tx.customer.update({ where: { id: customer.id }, data: { stripeCustomerId: null } });
  return [
    `subscriptions canceled: ${ended.count}`,
    `entitlements removed: ${dropped.count}`,
    "customer unlinked from Stripe",
  ];
};
