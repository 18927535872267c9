import "server-only";
import Stripe from "stripe";
import type { EventContext } from "./context";

/**
 * Replaces the customer's Entitlement rows with the active entitlements Stripe lists now, paging
 * through all of them (a summary event's body holds at most 10).
 */
export async function syncEntitlements({
  tx,
  stripe,
  customer,
}: Omit<EventContext, "event">): Promise<string> {
  const features: string[] = [];
  try {
    for await (const entitlement of stripe.entitlements.activeEntitlements.list({
      customer: customer.stripeCustomerId,
      limit: 100,
    })) {
      features.push(entitlement.lookup_key);
    }
  } catch (error) {
    // A deleted customer has no entitlements (its customer.deleted event unlinks the row).
    if (!(error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "resource_missing"))
      throw error;
  }
  await tx.entitlement.deleteMany({ where: { customerId: customer.id, feature: { notIn: features } } });
  if (features.length > 0) {
    await tx.entitlement.createMany({
      data: features.map((feature) => ({ customerId: customer.id, feature })),
      skipDuplicates: true,
    });
  }
  return `entitlements: ${features.length === 0 ? "none" : [...features].sort().join(" ")}`;
}
