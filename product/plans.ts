import type { PlanDefinition } from "@/lib/billing/plan-types";
import { catalog } from "./operations";

/**
 * The plans: what each costs, grants and limits. `npm run setup:stripe` creates the paid ones in
 * Stripe, the webhook maps subscriptions back to them, and every call is checked against their
 * limits. Exactly one plan has no `stripe` prices: the plan of customers without a subscription.
 * A paid plan may sell a year (`yearlyPrice`, its included units then count per year, 12 months'
 * worth) and give a first subscription a free trial (`trialDays`).
 *
 * `features` are scopes of the catalog's operations; `catalog.scopes` grants every one, so a new
 * operation's scope reaches the paid plans without an edit here.
 */
export const PLANS = {
  free: {
    name: "Free",
    description: "Read-only access, 1,000 units a month, no card needed.",
    features: ["get:widgets", "read:usage"],
    limits: { includedUnits: 1_000, hardCapUnits: 1_000, rateLimit: { points: 5, durationSeconds: 1 } },
    stripe: null,
  },
  pro: {
    name: "Pro",
    description: "Read and write, $29 a month with 50,000 units included, then $0.002 per unit.",
    features: catalog.scopes,
    limits: { includedUnits: 50_000, hardCapUnits: null, rateLimit: { points: 25, durationSeconds: 1 } },
    stripe: {
      productId: "tollgate_pro",
      flatPrice: { lookupKey: "tollgate_pro_monthly", unitAmountCents: 2_900 },
      meteredPrice: { lookupKey: "tollgate_pro_units", unitAmountDecimalCents: "0.2" },
      yearlyPrice: {
        lookupKey: "tollgate_pro_yearly",
        unitAmountCents: 29_000,
        meteredLookupKey: "tollgate_pro_units_yearly",
      },
      trialDays: 14,
    },
  },
  scale: {
    name: "Scale",
    description:
      "Read and write at volume, $199 a month with 1,000,000 units included, then $0.001 per unit.",
    features: catalog.scopes,
    limits: { includedUnits: 1_000_000, hardCapUnits: null, rateLimit: { points: 100, durationSeconds: 1 } },
    stripe: {
      productId: "tollgate_scale",
      flatPrice: { lookupKey: "tollgate_scale_monthly", unitAmountCents: 19_900 },
      meteredPrice: { lookupKey: "tollgate_scale_units", unitAmountDecimalCents: "0.1" },
      yearlyPrice: {
        lookupKey: "tollgate_scale_yearly",
        unitAmountCents: 199_000,
        meteredLookupKey: "tollgate_scale_units_yearly",
      },
    },
  },
} as const satisfies Record<string, PlanDefinition>;

/** The currency of every price. */
export const CURRENCY = "usd";
