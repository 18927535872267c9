import { catalog, SCOPE_NAMES } from "@/product/operations";
import { API_UNITS } from "@/product/meters";
import { PLANS as PLAN_DEFINITIONS } from "@/product/plans";
import { BillingError } from "./errors";
import type { PlanDefinition, PlanLimits, StripePlan } from "./plan-types";

export type { PlanDefinition, PlanLimits, RateLimit, StripePlan } from "./plan-types";
export { CURRENCY } from "@/product/plans";

/**
 * The plans of product/plans.ts as the app reads them, and pure functions over them: which plan a
 * subscription's prices belong to, what a period costs. `npm run setup:stripe` creates them in Stripe
 * (lib/billing/setup-stripe-products.ts), the webhook maps subscriptions back to them, and the entitlement
 * check reads their limits.
 */

/** A scope of the API that a plan can grant; Stripe Entitlements features use it as their lookup key. */
export type Feature = string;

export type PlanId = keyof typeof PLAN_DEFINITIONS;

export interface Plan extends PlanDefinition {
  id: PlanId;
}

/** The Stripe Billing Meter every API call is reported to. */
export const METER = {
  eventName: API_UNITS.eventName,
  displayName: API_UNITS.displayName,
  /** The meter event payload keys (lib/metering/report-usage.ts sends these). */
  customerPayloadKey: "stripe_customer_id",
  valuePayloadKey: "value",
} as const;

/** Every scope of the catalog, with the name people see it by (dashboard, pricing, Auth0, Stripe). */
export const FEATURES: Readonly<Record<Feature, string>> = Object.fromEntries(
  catalog.scopes.map((scope) => [scope, scopeName(scope)]),
);

/** A scope's display name: product/operations.ts's SCOPE_NAMES, else "verb:things" as "Verb things". */
export function scopeName(scope: string): string {
  const named = SCOPE_NAMES[scope];
  if (named) return named;
  const words = scope.replace(/[:_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const PLANS: Readonly<Record<PlanId, Plan>> = Object.fromEntries(
  Object.entries(PLAN_DEFINITIONS).map(([id, plan]) => [id, { ...plan, id: id as PlanId }]),
) as Record<PlanId, Plan>;

/** Every plan, in the order product/plans.ts declares them (cheapest first). */
export const PLAN_LIST: readonly Plan[] = Object.values(PLANS);

/** The plan of customers without a live subscription: the one plan without Stripe prices. */
export const FREE_PLAN: Plan = freePlanOf(PLAN_LIST);

/** A subscription's billing interval: every price of it recurs monthly, or every one yearly. */
export type BillingInterval = "month" | "year";
export const BILLING_INTERVALS: readonly BillingInterval[] = ["month", "year"];

/** Stripe's bounds on `subscription_data.trial_period_days`. */
const MAX_TRIAL_DAYS = 730;

/**
 * Checks what the types cannot: trial days Stripe accepts and annual prices with their own lookup
 * keys. Throws at start-up naming the plan, so a fork's typo never reaches Checkout.
 */
export function checkPlanDefinitions(plans: readonly Plan[]): void {
  const keys = new Set<string>();
  for (const plan of plans) {
    if (!plan.stripe) continue;
    const { trialDays, yearlyPrice, flatPrice, meteredPrice } = plan.stripe;
    if (
      trialDays !== undefined &&
      !(Number.isInteger(trialDays) && trialDays >= 1 && trialDays <= MAX_TRIAL_DAYS)
    ) {
      throw new Error(
        `product/plans.ts: ${plan.id}.stripe.trialDays must be a whole number of days from 1 to ${MAX_TRIAL_DAYS}`,
      );
    }
    if (yearlyPrice && !(Number.isInteger(yearlyPrice.unitAmountCents) && yearlyPrice.unitAmountCents > 0)) {
      throw new Error(
        `product/plans.ts: ${plan.id}.stripe.yearlyPrice.unitAmountCents must be a positive whole number of cents`,
      );
    }
    for (const key of [
      flatPrice.lookupKey,
      meteredPrice.lookupKey,
      yearlyPrice?.lookupKey,
      yearlyPrice?.meteredLookupKey,
    ]) {
      if (key === undefined) continue;
      if (keys.has(key))
        throw new Error(`product/plans.ts: the lookup key ${key} is used twice (${plan.id})`);
      keys.add(key);
    }
  }
}
checkPlanDefinitions(PLAN_LIST);

/** The lookup keys and amounts a plan is sold at for one interval. */
export interface IntervalPrices {
  interval: BillingInterval;
  flat: { lookupKey: string; unitAmountCents: number };
  meteredLookupKey: string;
}

/**
 * A paid plan's prices for `interval`. Throws a BillingError `ERR_UNKNOWN_INTERVAL` for anything but
 * "month" or "year", and `ERR_NO_ANNUAL_PRICE` for "year" on a plan without `yearlyPrice`.
 */
export function pricesFor(plan: Plan & { stripe: StripePlan }, interval: string): IntervalPrices {
  if (interval === "month") {
    return { interval, flat: plan.stripe.flatPrice, meteredLookupKey: plan.stripe.meteredPrice.lookupKey };
  }
  if (interval !== "year") {
    throw new BillingError(
      "ERR_UNKNOWN_INTERVAL",
      `Choose monthly or annual billing ("month" or "year"), not "${interval}".`,
    );
  }
  const yearly = plan.stripe.yearlyPrice;
  if (!yearly) {
    throw new BillingError(
      "ERR_NO_ANNUAL_PRICE",
      `The ${plan.name} plan is sold monthly only: choose monthly billing.`,
    );
  }
  return {
    interval,
    flat: { lookupKey: yearly.lookupKey, unitAmountCents: yearly.unitAmountCents },
    meteredLookupKey: yearly.meteredLookupKey,
  };
}

/**
 * A plan's limits for a billing interval: a year includes 12 months' units (and a cap of 12 months'),
 * since an annual subscription's period, over which usage is counted and billed, is the year.
 */
export function limitsFor(plan: { limits: PlanLimits }, interval: BillingInterval): PlanLimits {
  if (interval === "month") return plan.limits;
  const { includedUnits, hardCapUnits, rateLimit } = plan.limits;
  return {
    includedUnits: includedUnits * 12,
    hardCapUnits: hardCapUnits === null ? null : hardCapUnits * 12,
    rateLimit,
  };
}

/** What paying yearly saves against 12 monthly payments, in cents and whole months; null: no annual price. */
export function annualSaving(plan: Plan): { cents: number; months: number } | null {
  const yearly = plan.stripe?.yearlyPrice;
  if (!plan.stripe || !yearly) return null;
  const monthly = plan.stripe.flatPrice.unitAmountCents;
  const cents = monthly * 12 - yearly.unitAmountCents;
  return { cents, months: Math.floor(cents / monthly) };
}

/** The one plan of `plans` that has no Stripe prices; throws unless there is exactly one. */
export function freePlanOf(plans: readonly Plan[]): Plan {
  const free = plans.filter((plan) => plan.stripe === null);
  if (free.length !== 1) {
    throw new Error(
      `product/plans.ts must declare exactly one plan without Stripe prices (the plan of customers without a subscription); it declares ${free.length}`,
    );
  }
  return free[0] as Plan;
}

/** Plans that are sold through Stripe. */
export function paidPlans(): (Plan & { stripe: StripePlan })[] {
  return PLAN_LIST.filter((plan): plan is Plan & { stripe: StripePlan } => plan.stripe !== null);
}

/** The plan with this id, or undefined. */
export function planById(id: string): Plan | undefined {
  return Object.hasOwn(PLANS, id) ? PLANS[id as PlanId] : undefined;
}

/** The price facts of a subscription item that identify its plan (a subset of `Stripe.Price`). */
export interface PriceRef {
  product: string | { id: string };
  lookup_key: string | null;
  recurring?: { interval: string; usage_type?: string } | null;
}

/** The interval of a subscription's prices (its licensed price's, which every item shares). */
export function intervalOfPrices(prices: readonly PriceRef[]): BillingInterval {
  const licensed = prices.find((price) => price.recurring?.usage_type !== "metered") ?? prices[0];
  return licensed?.recurring?.interval === "year" ? "year" : "month";
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
        price.lookup_key === plan.stripe.meteredPrice.lookupKey ||
        price.lookup_key === plan.stripe.yearlyPrice?.lookupKey ||
        price.lookup_key === plan.stripe.yearlyPrice?.meteredLookupKey,
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
export function meteredTiers(
  plan: { limits: PlanLimits; stripe: StripePlan },
  interval: BillingInterval = "month",
): MeteredTier[] {
  const overage = {
    upTo: "inf" as const,
    unitAmountDecimalCents: plan.stripe.meteredPrice.unitAmountDecimalCents,
  };
  const { includedUnits } = limitsFor(plan, interval);
  return includedUnits > 0 ? [{ upTo: includedUnits, unitAmountDecimalCents: "0" }, overage] : [overage];
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
export function periodChargeCents(plan: Plan, units: number, interval: BillingInterval = "month"): number {
  const { stripe, limits } = plan;
  if (!stripe) return 0;
  const flat =
    interval === "year" && stripe.yearlyPrice
      ? stripe.yearlyPrice.unitAmountCents
      : stripe.flatPrice.unitAmountCents;
  return flat + graduatedChargeCents(meteredTiers({ limits, stripe }, interval), units);
}
