import "server-only";
import type { Database } from "@/lib/db";
import { decideAccess, PAST_DUE_GRACE_MS, type CustomerAccess } from "./access";

export { mayUse, PAST_DUE_GRACE_MS, type CustomerAccess } from "./access";

/** How long an answer is reused in this process; the webhook forgets it at once after a change here. */
export const ACCESS_CACHE_TTL_MS = 5_000;
const MAX_CACHED = 10_000;

const globalForAccess = globalThis as typeof globalThis & {
  tollgateAccessCache?: Map<string, { access: CustomerAccess; expires: number }>;
};
const cache = (globalForAccess.tollgateAccessCache ??= new Map());

export interface AccessOptions {
  now?: Date;
  /** How long past_due keeps the plan; default three days. */
  pastDueGraceMs?: number;
}

/**
 * What a customer may do now, from Postgres only (kept true by the Stripe webhook): plan, status,
 * features and limits. Answers are cached for five seconds per process; other instances see a change
 * within that time, this one at once (`forgetCustomerAccess`).
 *
 * @example if (!mayUse(await getCustomerAccess(db, customerId), "create:widgets")) deny 402
 */
export async function getCustomerAccess(
  db: Database,
  customerId: string,
  { now = new Date(), pastDueGraceMs = PAST_DUE_GRACE_MS }: AccessOptions = {},
): Promise<CustomerAccess> {
  const hit = cache.get(customerId);
  if (hit && hit.expires > now.getTime()) return hit.access;
  const [subscriptions, entitlements] = await Promise.all([
    db.subscription.findMany({
      where: { customerId, status: { in: ["active", "trialing", "past_due"] } },
      select: { id: true, status: true, plan: true, currentPeriodStart: true, currentPeriodEnd: true },
    }),
    db.entitlement.findMany({ where: { customerId }, select: { feature: true } }),
  ]);
  const access = decideAccess(
    subscriptions,
    entitlements.map((row) => row.feature),
    now,
    pastDueGraceMs,
  );
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(customerId, { access, expires: now.getTime() + ACCESS_CACHE_TTL_MS });
  return access;
}

/** Drops a customer's cached access; the webhook calls it after every write for that customer. */
export function forgetCustomerAccess(customerId: string): void {
  cache.delete(customerId);
}
