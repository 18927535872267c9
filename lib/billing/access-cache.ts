import "server-only";
import { instanceCache } from "@/lib/cache/instance-cache";
import type { Database } from "@/lib/db";
import { decideAccess, PAST_DUE_GRACE_MS, type CustomerAccess } from "./access";

export { mayUse, PAST_DUE_GRACE_MS, type CustomerAccess } from "./access";

const accessCache = () => instanceCache<CustomerAccess>("customer-access");

export interface AccessOptions {
  now?: Date;
  /** How long past_due keeps the plan; default three days. */
  pastDueGraceMs?: number;
}

/**
 * What a customer may do now, from Postgres only (kept true by the Stripe webhook): plan, status,
 * features and limits. Answers are cached per process for `CUSTOMER_ACCESS_CACHE_SECONDS` (5 s);
 * `forgetCustomerAccess` drops one here at once and, through Redis, on every other instance.
 *
 * @example if (!mayUse(await getCustomerAccess(db, customerId), "create:widgets")) deny 402
 */
export async function getCustomerAccess(
  db: Database,
  customerId: string,
  { now = new Date(), pastDueGraceMs = PAST_DUE_GRACE_MS }: AccessOptions = {},
): Promise<CustomerAccess> {
  const cache = accessCache();
  const hit = cache.get(customerId, now.getTime());
  if (hit) return hit;
  const [subscriptions, entitlements] = await Promise.all([
    db.subscription.findMany({
      where: { customerId, status: { in: ["active", "trialing", "past_due"] } },
      select: {
        id: true,
        status: true,
        plan: true,
        currentPeriodStart: true,
        currentPeriodEnd: true,
        interval: true,
      },
    }),
    db.entitlement.findMany({ where: { customerId }, select: { feature: true } }),
  ]);
  const access = decideAccess(
    subscriptions,
    entitlements.map((row) => row.feature),
    now,
    pastDueGraceMs,
  );
  cache.set(customerId, access, now.getTime());
  return access;
}

/** Drops a customer's cached access everywhere; the webhook calls it after every write for that customer. */
export function forgetCustomerAccess(customerId: string): Promise<void> {
  return accessCache().invalidate(customerId);
}
