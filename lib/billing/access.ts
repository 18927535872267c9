import {
  type BillingInterval,
  FREE_PLAN,
  limitsFor,
  PLAN_LIST,
  planById,
  type Plan,
  type PlanId,
  type PlanLimits,
} from "./plans";

/** How long a past_due subscription keeps its plan while Stripe retries the payment. */
export const PAST_DUE_GRACE_MS = 3 * 24 * 3600 * 1000;

/** What a customer may do now: its plan, why, the features (gate scopes) and limits. */
export interface CustomerAccess {
  plan: PlanId;
  /** The subscription's Stripe status, or "free" when no subscription grants access. */
  status: string;
  subscriptionId: string | null;
  features: ReadonlySet<string>;
  limits: PlanLimits;
  /** The billing period of the granting subscription; null on Free (calendar months). */
  period: { start: Date; end: Date } | null;
  /** How the granting subscription is billed ("year": a year's fee and units); absent on Free. */
  interval?: BillingInterval;
}

/** The stored facts `decideAccess` needs (a subset of the Subscription row). */
export interface StoredSubscription {
  id: string;
  status: string;
  plan: string;
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
  /** "year" for an annual subscription, whose period (a year) includes 12 months' units; else monthly. */
  interval?: string;
}

/** Whether a subscription grants its plan at `now`; past_due counts for `graceMs` into its period. */
export function grantsAccess(
  subscription: StoredSubscription,
  now: Date,
  graceMs = PAST_DUE_GRACE_MS,
): boolean {
  switch (subscription.status) {
    case "active":
    case "trialing":
      return true;
    case "past_due":
      // A renewal's invoice is due when the period starts; Stripe retries it for days. We keep the
      // plan for the grace period from then, whatever Stripe's own retry schedule is set to.
      return now.getTime() < subscription.currentPeriodStart.getTime() + graceMs;
    default:
      return false;
  }
}

/**
 * Decides a customer's access from its stored subscriptions and entitlements: the best plan among the
 * subscriptions that grant access (latest period first on ties), else Free. A paid plan's features
 * are the Stripe entitlements when any are stored (Stripe is the source of truth), else the plan's
 * catalog features (its entitlement summary may arrive a moment after the subscription); Free's
 * features are always included. A trial grants its plan as an active subscription does, and an
 * annual subscription's limits are its plan's for a year (limitsFor). Pure.
 */
export function decideAccess(
  subscriptions: readonly StoredSubscription[],
  entitlements: readonly string[],
  now: Date,
  graceMs = PAST_DUE_GRACE_MS,
): CustomerAccess {
  const granting = subscriptions
    .filter((subscription) => grantsAccess(subscription, now, graceMs))
    .map((subscription) => ({ subscription, plan: planById(subscription.plan) }))
    .filter((entry): entry is { subscription: StoredSubscription; plan: Plan } => entry.plan !== undefined)
    .sort(
      (a, b) =>
        rank(b.plan) - rank(a.plan) ||
        b.subscription.currentPeriodEnd.getTime() - a.subscription.currentPeriodEnd.getTime(),
    );
  const best = granting[0];
  if (!best) {
    return {
      plan: FREE_PLAN.id,
      status: "free",
      subscriptionId: null,
      features: new Set(FREE_PLAN.features),
      limits: FREE_PLAN.limits,
      period: null,
    };
  }
  const paid = entitlements.length > 0 ? entitlements : best.plan.features;
  const interval: BillingInterval = best.subscription.interval === "year" ? "year" : "month";
  return {
    plan: best.plan.id,
    status: best.subscription.status,
    subscriptionId: best.subscription.id,
    features: new Set([...FREE_PLAN.features, ...paid]),
    limits: limitsFor(best.plan, interval),
    interval,
    period: { start: best.subscription.currentPeriodStart, end: best.subscription.currentPeriodEnd },
  };
}

/** Plans rank in the order product/plans.ts declares them: of two live subscriptions, the later plan wins. */
const rank = (plan: Plan) => PLAN_LIST.findIndex((candidate) => candidate.id === plan.id);

/** Whether the access includes a feature (a gate scope such as "create:widgets"). */
export function mayUse(access: Pick<CustomerAccess, "features">, feature: string): boolean {
  return access.features.has(feature);
}
