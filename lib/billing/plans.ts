import { API_CALLS_METER } from "@/lib/api/operations";

/**
 * The plan catalog: the one source for what each plan costs, grants and limits. `npm run
 * setup:stripe` creates it in Stripe (lib/billing/setup-catalog.ts), the webhook maps subscriptions
 * back to it, and the entitlement check reads its limits. Pure data and pure functions.
 */

/** A gate scope that a plan can grant; Stripe Entitlements features use it as their lookup key. */
export type Feature = "get:widgets" | "create:widgets" | "delete:widgets" | "render:widgets";

export type PlanId = "free" | "pro" | "scale";

/** A plan's request rate: `points` calls per `durationSeconds` (lib/metering/rate-limit's RatePolicy). */
export interface RateLimit {
  points: number;
  durationSeconds: number;
}

/** What a plan allows per billing period. */
export interface PlanLimits {
  /**
   * Units the flat fee includes each period. For paid plans Stripe bills them as included: the metered
   * price is graduated, its first tier (`up_to` = includedUnits) at 0 (see `meteredTiers`).
   */
  includedUnits: number;
  /** Units after which calls are refused for the rest of the period; null: no cap, overage is billed. */
  hardCapUnits: number | null;
  rateLimit: RateLimit;
}

/** How a paid plan appears in Stripe, keyed by stable identifiers so setup is idempotent. */
export interface StripePlan {
  /** A product id we choose (Stripe accepts `id` on create), so setup finds it without a search. */
  productId: string;
  flatPrice: { lookupKey: string; unitAmountCents: number };
  /**
   * The metered price on the Billing Meter: `unitAmountDecimalCents` is the overage rate, charged per
   * unit beyond the plan's included units (a graduated tiered price, `meteredTiers`).
   */
  meteredPrice: { lookupKey: string; unitAmountDecimalCents: string };
}

export interface Plan {
  id: PlanId;
  name: string;
  description: string;
  features: readonly Feature[];
  limits: PlanLimits;
  /** null for Free: no card, no Stripe subscription. */
  stripe: StripePlan | null;
}

export const CURRENCY = "usd";

/** The Stripe Billing Meter every API call is reported to (its `event_name`). */
export const METER = {
  eventName: API_CALLS_METER,
  displayName: "API units",
  /** The meter event payload keys (lib/metering/report-usage.ts sends these). */
  customerPayloadKey: "stripe_customer_id",
  valuePayloadKey: "value",
} as const;

/** Display names of the Stripe Entitlements features; the lookup key is the scope itself. */
export const FEATURES: Readonly<Record<Feature, string>> = {
  "get:widgets": "Read widgets",
  "create:widgets": "Create widgets",
  "delete:widgets": "Delete widgets",
  "render:widgets": "Render widgets",
};

const ALL_FEATURES = Object.keys(FEATURES) as Feature[];

export const PLANS: Readonly<Record<PlanId, Plan>> = {
  free: {
    id: "free",
    name: "Free",
    description: "Read-only access, 1,000 units a month, no card needed.",
    features: ["get:widgets"],
    limits: { includedUnits: 1_000, hardCapUnits: 1_000, rateLimit: { points: 5, durationSeconds: 1 } },
    stripe: null,
  },
  pro: {
    id: "pro",
    name: "Pro",
    description: "Read and write, $29 a month with 50,000 units included, then $0.002 per unit.",
    features: ALL_FEATURES,
    limits: { includedUnits: 50_000, hardCapUnits: null, rateLimit: { points: 25, durationSeconds: 1 } },
    stripe: {
      productId: "tollgate_pro",
      flatPrice: { lookupKey: "tollgate_pro_monthly", unitAmountCents: 2_900 },
      meteredPrice: { lookupKey: "tollgate_pro_units", unitAmountDecimalCents: "0.2" },
    },
  },
  scale: {
    id: "scale",
    name: "Scale",
    description:
      "Read and write at volume, $199 a month with 1,000,000 units included, then $0.001 per unit.",
    features: ALL_FEATURES,
    limits: { includedUnits: 1_000_000, hardCapUnits: null, rateLimit: { points: 100, durationSeconds: 1 } },
    stripe: {
      productId: "tollgate_scale",
      flatPrice: { lookupKey: "tollgate_scale_monthly", unitAmountCents: 19_900 },
      meteredPrice: { lookupKey: "tollgate_scale_units", unitAmountDecimalCents: "0.1" },
    },
  },
};

/** The plan of customers without a live subscription. */
export const FREE_PLAN = PLANS.free;

/** Every plan, cheapest first. */
export const PLAN_LIST: readonly Plan[] = [PLANS.free, PLANS.pro, PLANS.scale];

/** Plans that are sold through Stripe. */
export function paidPlans(): (Plan & { stripe: StripePlan })[] {
  return PLAN_LIST.filter((plan): plan is Plan & { stripe: StripePlan } => plan.stripe !== null);
}

/** Whether a string is one of the catalog's features (a gate scope). */
export function isFeature(value: string): value is Feature {
  return Object.hasOwn(FEATURES, value);
}

/** The plan with this id, or undefined. */
export function planById(id: string): Plan | undefined {
  return Object.hasOwn(PLANS, id) ? PLANS[id as PlanId] : undefined;
}

/** The price facts of a subscription item that identify its plan (a subset of `Stripe.Price`). */
export interface PriceRef {
  product: string | { id: string };
  lookup_key: string | null;
}

/**
 * The paid plan a subscription's prices belong to: by product id first (it survives price changes,
 * whose old prices lose their lookup key to `transfer_lookup_key`), then by price lookup key.
 * Undefined when no price is from the catalog.
 */
export function planForPrices(prices: readonly PriceRef[]): Plan | undefined {
  for (const price of prices) {
    const productId = typeof price.product === "string" ? price.product : price.product.id;
    const byProduct = paidPlans().find((plan) => plan.stripe.productId === productId);
    if (byProduct) return byProduct;
  }
  for (const price of prices) {
    const byKey = paidPlans().find(
      (plan) =>
        price.lookup_key === plan.stripe.flatPrice.lookupKey ||
        price.lookup_key === plan.stripe.meteredPrice.lookupKey,
    );
    if (byKey) return byKey;
  }
  return undefined;
}

/** One tier of a graduated price as Stripe takes it: up to and including `upTo` units (or all). */
export interface MeteredTier {
  upTo: number | "inf";
  unitAmountDecimalCents: string;
}

/**
 * The tiers of a paid plan's metered price: the included units at 0, every unit after them at the
 * overage rate. Stripe bills a graduated price tier by tier, so only the overage costs money.
 */
export function meteredTiers(plan: { limits: PlanLimits; stripe: StripePlan }): MeteredTier[] {
  const overage = {
    upTo: "inf" as const,
    unitAmountDecimalCents: plan.stripe.meteredPrice.unitAmountDecimalCents,
  };
  return plan.limits.includedUnits > 0
    ? [{ upTo: plan.limits.includedUnits, unitAmountDecimalCents: "0" }, overage]
    : [overage];
}

/**
 * What a graduated price charges for `units`, in cents, as Stripe computes an invoice: each tier
 * prices the units that fall in it, and each tier's line is rounded to the cent on its own.
 */
export function graduatedChargeCents(tiers: readonly MeteredTier[], units: number): number {
  let cents = 0;
  let below = 0;
  for (const tier of tiers) {
    const top = tier.upTo === "inf" ? Number.POSITIVE_INFINITY : tier.upTo;
    const inTier = Math.max(0, Math.min(units, top) - below);
    cents += Math.round(inTier * Number(tier.unitAmountDecimalCents));
    if (units <= top) break;
    below = top;
  }
  return cents;
}

/**
 * The amount, in cents, Stripe bills a plan for `units` in one period: the flat fee plus the metered
 * price's graduated tiers (units within `includedUnits` cost nothing). The dashboard's estimate when
 * Stripe's own preview is unavailable; it must agree with the invoice.
 */
export function periodChargeCents(plan: Plan, units: number): number {
  const { stripe, limits } = plan;
  if (!stripe) return 0;
  return stripe.flatPrice.unitAmountCents + graduatedChargeCents(meteredTiers({ limits, stripe }), units);
}
