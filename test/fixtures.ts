import type { PlanId } from "@/lib/billing/plans";
import type { Database } from "@/lib/db";

/**
 * Gives a customer an active subscription row for a plan, as the Stripe webhook would store it, for
 * tests about something else than billing (the gate, the exchange) that make more calls than Free's
 * rate limit allows. Billing's own tests go through the sandbox and the webhook instead.
 */
export async function givePlan(db: Database, customerId: string, plan: PlanId): Promise<void> {
  const now = Date.now();
  await db.subscription.create({
    data: {
      id: `sub_fixture_${customerId.slice(0, 8)}_${plan}`,
      customerId,
      status: "active",
      plan,
      currentPeriodStart: new Date(now - 86_400_000),
      currentPeriodEnd: new Date(now + 29 * 86_400_000),
      stripeUpdatedAt: new Date(now),
    },
  });
}
