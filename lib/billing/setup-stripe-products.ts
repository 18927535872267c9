import "server-only";
import Stripe from "stripe";
import {
  CURRENCY,
  FEATURES,
  METER,
  meteredTiers,
  paidPlans,
  pricesFor,
  type BillingInterval,
  type Feature,
  type MeteredTier,
  type Plan,
  type StripePlan,
} from "./plans";

/** What one run of `setupStripeProducts` did, one line per Stripe object, e.g. "price tollgate_pro_monthly". */
export interface StripeProductChanges {
  created: string[];
  updated: string[];
  unchanged: string[];
}

/** The webhook event types the app handles; enable exactly these on the Stripe webhook endpoint. */
export { HANDLED_EVENT_TYPES } from "./webhook/event-types";

/**
 * Creates or updates the plans (product/plans.ts) in a Stripe account: entitlement features
 * (lookup key = scope), the billing meter, one product per paid plan with its features, and the flat
 * price and the metered price (graduated: the plan's included units at 0, then the overage rate) by
 * lookup key. Idempotent: a second run changes nothing. Prices are immutable in Stripe, so a changed
 * price makes a new one that takes over the lookup key (`transfer_lookup_key`); the old price is
 * archived and existing subscriptions keep it until moved.
 */
export async function setupStripeProducts(
  stripe: Stripe,
  options: { demoPromotionCode?: boolean } = {},
): Promise<StripeProductChanges> {
  const changes: StripeProductChanges = { created: [], updated: [], unchanged: [] };
  const features = await ensureFeatures(stripe, changes);
  const meter = await ensureMeter(stripe, changes);
  for (const plan of paidPlans()) {
    await ensureProduct(stripe, plan, changes);
    await ensureProductFeatures(stripe, plan, features, changes);
    await ensurePrices(stripe, plan, meter, changes);
  }
  if (options.demoPromotionCode) await ensureDemoPromotionCode(stripe, changes);
  return changes;
}

/** The promotion code the local loop offers at Checkout: 20% off once, on a coupon we name. */
export const DEMO_PROMOTION_CODE = {
  code: "WELCOME20",
  couponId: "tollgate_welcome20",
  percentOff: 20,
} as const;

/**
 * Creates the demo coupon and its promotion code when missing. Only for the local sandbox (and Stripe
 * test mode when asked): a public code must never discount a live account by surprise.
 */
async function ensureDemoPromotionCode(stripe: Stripe, changes: StripeProductChanges): Promise<void> {
  const couponLabel = `coupon ${DEMO_PROMOTION_CODE.couponId}`;
  try {
    await stripe.coupons.retrieve(DEMO_PROMOTION_CODE.couponId);
    changes.unchanged.push(couponLabel);
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "resource_missing")) {
      throw error;
    }
    await stripe.coupons.create({
      id: DEMO_PROMOTION_CODE.couponId,
      name: "Welcome: 20% off",
      percent_off: DEMO_PROMOTION_CODE.percentOff,
      duration: "once",
    });
    changes.created.push(couponLabel);
  }
  const codeLabel = `promotion code ${DEMO_PROMOTION_CODE.code}`;
  const existing = await stripe.promotionCodes.list({ code: DEMO_PROMOTION_CODE.code, limit: 1 });
  if (existing.data.length > 0) {
    changes.unchanged.push(codeLabel);
    return;
  }
  await stripe.promotionCodes.create({
    code: DEMO_PROMOTION_CODE.code,
    promotion: { type: "coupon", coupon: DEMO_PROMOTION_CODE.couponId },
  });
  changes.created.push(codeLabel);
}

async function ensureFeatures(
  stripe: Stripe,
  changes: StripeProductChanges,
): Promise<Map<Feature, Stripe.Entitlements.Feature>> {
  const existing = new Map<string, Stripe.Entitlements.Feature>();
  for await (const feature of stripe.entitlements.features.list({ limit: 100 })) {
    existing.set(feature.lookup_key, feature);
  }
  const result = new Map<Feature, Stripe.Entitlements.Feature>();
  for (const [lookupKey, name] of Object.entries(FEATURES) as [Feature, string][]) {
    const label = `feature ${lookupKey}`;
    let feature = existing.get(lookupKey);
    if (!feature) {
      feature = await stripe.entitlements.features.create({ lookup_key: lookupKey, name });
      changes.created.push(label);
    } else if (feature.name !== name || !feature.active) {
      feature = await stripe.entitlements.features.update(feature.id, { name, active: true });
      changes.updated.push(label);
    } else {
      changes.unchanged.push(label);
    }
    result.set(lookupKey, feature);
  }
  return result;
}

async function ensureMeter(stripe: Stripe, changes: StripeProductChanges): Promise<Stripe.Billing.Meter> {
  const label = `meter ${METER.eventName}`;
  for await (const meter of stripe.billing.meters.list({ status: "active", limit: 100 })) {
    if (meter.event_name !== METER.eventName) continue;
    if (meter.display_name !== METER.displayName) {
      changes.updated.push(label);
      return stripe.billing.meters.update(meter.id, { display_name: METER.displayName });
    }
    changes.unchanged.push(label);
    return meter;
  }
  changes.created.push(label);
  return stripe.billing.meters.create({
    display_name: METER.displayName,
    event_name: METER.eventName,
    default_aggregation: { formula: "sum" },
    customer_mapping: { type: "by_id", event_payload_key: METER.customerPayloadKey },
    value_settings: { event_payload_key: METER.valuePayloadKey },
  });
}

async function ensureProduct(
  stripe: Stripe,
  plan: Plan & { stripe: StripePlan },
  changes: StripeProductChanges,
) {
  const label = `product ${plan.stripe.productId}`;
  const wanted = { name: plan.name, description: plan.description, metadata: { tollgate_plan: plan.id } };
  let product: Stripe.Product | undefined;
  try {
    product = await stripe.products.retrieve(plan.stripe.productId);
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeInvalidRequestError && error.code === "resource_missing")) {
      throw error;
    }
  }
  if (!product) {
    await stripe.products.create({ id: plan.stripe.productId, ...wanted });
    changes.created.push(label);
  } else if (
    product.name !== wanted.name ||
    product.description !== wanted.description ||
    product.metadata.tollgate_plan !== plan.id ||
    !product.active
  ) {
    await stripe.products.update(product.id, { ...wanted, active: true });
    changes.updated.push(label);
  } else {
    changes.unchanged.push(label);
  }
}

async function ensureProductFeatures(
  stripe: Stripe,
  plan: Plan & { stripe: StripePlan },
  features: Map<Feature, Stripe.Entitlements.Feature>,
  changes: StripeProductChanges,
) {
  const productId = plan.stripe.productId;
  const attached = new Map<string, string>(); // feature id -> product feature id
  for await (const entry of stripe.products.listFeatures(productId, { limit: 100 })) {
    attached.set(entry.entitlement_feature.id, entry.id);
  }
  const wanted = new Set<string>();
  for (const lookupKey of plan.features) {
    const feature = features.get(lookupKey);
    if (!feature)
      throw new Error(
        `Feature ${lookupKey} of plan ${plan.id} is not a scope of the catalog (product/operations.ts).`,
      );
    wanted.add(feature.id);
    const label = `product feature ${productId}/${lookupKey}`;
    if (attached.has(feature.id)) {
      changes.unchanged.push(label);
    } else {
      await stripe.products.createFeature(productId, { entitlement_feature: feature.id });
      changes.created.push(label);
    }
  }
  for (const [featureId, productFeatureId] of attached) {
    if (wanted.has(featureId)) continue;
    await stripe.products.deleteFeature(productId, productFeatureId);
    changes.updated.push(`product feature ${productId}/${featureId} (detached)`);
  }
}

/** A price as the plans want it: the flat fee per unit, or the metered price's graduated tiers. */
export type PriceSpec =
  | { lookupKey: string; interval: BillingInterval; usageType: "licensed"; unitAmountDecimal: string }
  | { lookupKey: string; interval: BillingInterval; usageType: "metered"; tiers: MeteredTier[] };

/** The flat and metered price of a plan for each interval it is sold at (monthly, and yearly if declared). */
export function priceSpecs(plan: Plan & { stripe: StripePlan }): PriceSpec[] {
  const intervals: BillingInterval[] = plan.stripe.yearlyPrice ? ["month", "year"] : ["month"];
  return intervals.flatMap((interval): PriceSpec[] => {
    const prices = pricesFor(plan, interval);
    return [
      {
        lookupKey: prices.flat.lookupKey,
        interval,
        usageType: "licensed",
        unitAmountDecimal: String(prices.flat.unitAmountCents),
      },
      {
        lookupKey: prices.meteredLookupKey,
        interval,
        usageType: "metered",
        tiers: meteredTiers(plan, interval),
      },
    ];
  });
}

async function ensurePrices(
  stripe: Stripe,
  plan: Plan & { stripe: StripePlan },
  meter: Stripe.Billing.Meter,
  changes: StripeProductChanges,
) {
  const specs = priceSpecs(plan);
  // Stripe includes a price's tiers only when asked for them.
  const existing = await stripe.prices.list({
    lookup_keys: specs.map((spec) => spec.lookupKey),
    expand: ["data.tiers"],
    limit: 100,
  });
  for (const spec of specs) {
    const label = `price ${spec.lookupKey}`;
    const current = existing.data.find((price) => price.lookup_key === spec.lookupKey);
    if (current && priceMatches(current, spec, plan.stripe.productId, meter.id)) {
      if (current.active) {
        changes.unchanged.push(label);
      } else {
        await stripe.prices.update(current.id, { active: true });
        changes.updated.push(label);
      }
      continue;
    }
    const amounts: Partial<Stripe.PriceCreateParams> =
      spec.usageType === "licensed"
        ? { unit_amount_decimal: Stripe.Decimal.from(spec.unitAmountDecimal) }
        : {
            billing_scheme: "tiered",
            tiers_mode: "graduated",
            tiers: spec.tiers.map((tier) => ({
              up_to: tier.upTo,
              unit_amount_decimal: Stripe.Decimal.from(tier.unitAmountDecimalCents),
            })),
          };
    // Prices are immutable: a changed one (say, a per-unit metered price made by an earlier version)
    // is replaced by a new price that takes over its lookup key; the old one is archived, and
    // subscriptions on it keep it until they change plan.
    await stripe.prices.create({
      product: plan.stripe.productId,
      currency: CURRENCY,
      ...amounts,
      recurring:
        spec.usageType === "metered"
          ? { interval: spec.interval, usage_type: "metered", meter: meter.id }
          : { interval: spec.interval, usage_type: "licensed" },
      lookup_key: spec.lookupKey,
      transfer_lookup_key: current !== undefined,
      metadata: { tollgate_price: spec.lookupKey },
    });
    if (current) {
      await stripe.prices.update(current.id, { active: false });
      changes.updated.push(label);
    } else {
      changes.created.push(label);
    }
  }
}

type ComparedPrice = Pick<
  Stripe.Price,
  | "product"
  | "currency"
  | "unit_amount_decimal"
  | "unit_amount"
  | "recurring"
  | "billing_scheme"
  | "tiers_mode"
  | "tiers"
>;

/**
 * Whether an existing price already is what the plans ask for (prices cannot be edited). A
 * metered price must be graduated with the same tiers, so `price.tiers` must have been expanded.
 */
export function priceMatches(
  price: ComparedPrice,
  spec: PriceSpec,
  productId: string,
  meterId: string,
): boolean {
  const product = typeof price.product === "string" ? price.product : price.product.id;
  const same =
    product === productId &&
    price.currency === CURRENCY &&
    price.recurring?.interval === spec.interval &&
    price.recurring.interval_count === 1 &&
    price.recurring.usage_type === spec.usageType;
  if (!same) return false;
  if (spec.usageType === "licensed") {
    const amount =
      price.unit_amount_decimal?.toString() ??
      (price.unit_amount === null ? null : String(price.unit_amount));
    return (
      price.billing_scheme === "per_unit" &&
      amount !== null &&
      Number(amount) === Number(spec.unitAmountDecimal)
    );
  }
  const tiers = price.tiers ?? [];
  return (
    price.recurring?.meter === meterId &&
    price.billing_scheme === "tiered" &&
    price.tiers_mode === "graduated" &&
    tiers.length === spec.tiers.length &&
    spec.tiers.every((wanted, index) => {
      const tier = tiers[index];
      if (!tier) return false;
      const unit =
        tier.unit_amount_decimal?.toString() ?? (tier.unit_amount === null ? "0" : String(tier.unit_amount));
      const flat = tier.flat_amount_decimal?.toString() ?? String(tier.flat_amount ?? 0);
      return (
        tier.up_to === (wanted.upTo === "inf" ? null : wanted.upTo) &&
        Number(unit) === Number(wanted.unitAmountDecimalCents) &&
        Number(flat) === 0
      );
    })
  );
}
