/**
 * The shape of a plan, as product/plans.ts declares one. Types only: product/ imports them without
 * pulling in lib/billing.
 */

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
  /**
   * The annual price, when the plan sells one: the flat fee for a year (typically 10 months' worth)
   * and the lookup key of its yearly metered price. Checkout cannot mix intervals on one subscription,
   * so an annual subscription meters on a yearly price too: 12 months' included units at 0, then the
   * same overage rate, billed at the end of the year.
   */
  yearlyPrice?: { lookupKey: string; unitAmountCents: number; meteredLookupKey: string };
  /** Days of free trial a customer's first subscription to this plan gets (Stripe takes 1 to 730). */
  trialDays?: number;
}

/** One plan: its name and pitch, the scopes it grants (`features`), its limits and its Stripe prices. */
export interface PlanDefinition {
  name: string;
  description: string;
  /** Scopes of the catalog's operations; Stripe Entitlements features use them as lookup keys. */
  features: readonly string[];
  limits: PlanLimits;
  /** null for the free plan: no card, no Stripe subscription. */
  stripe: StripePlan | null;
}
