import "server-only";
import Stripe from "stripe";
import { CURRENCY, FEATURES, METER, paidPlans, type Feature, type Plan, type StripePlan } from "./plans";

/** What one run of `setupCatalog` did, one line per Stripe object, e.g. "price tollgate_pro_monthly". */
export interface CatalogChanges {
  created: string[];
  updated: string[];
  unchanged: string[];
}

/** The webhook event types the app handles; enable exactly these on the Stripe webhook endpoint. */
export { HANDLED_EVENT_TYPES } from "./webhook/event-types";

/**
 * Creates or updates the plan catalog (lib/billing/plans.ts) in a Stripe account: entitlement features
 * (lookup key = scope), the billing meter, one product per paid plan with its features, and the flat
 * and metered prices by lookup key. Idempotent: a second run changes nothing. Prices are immutable in
 * Stripe, so a changed amount makes a new price that takes over the lookup key
 * (`transfer_lookup_key`); the old price is archived and existing subscriptions keep it until moved.
 */
export async function setupCatalog(stripe: Stripe): Promise<CatalogChanges> {
  const changes: CatalogChanges = { created: [], updated: [], unchanged: [] };
  const features = await ensureFeatures(stripe, changes);
  const meter = await ensureMeter(stripe, changes);
  for (const plan of paidPlans()) {
    await ensureProduct(stripe, plan, changes);
    await ensureProductFeatures(stripe, plan, features, changes);
    await ensurePrices(stripe, plan.stripe, meter, changes);
  }
  return changes;
}

async function ensureFeatures(
  stripe: Stripe,
  changes: CatalogChanges,
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

async function ensureMeter(stripe: Stripe, changes: CatalogChanges): Promise<Stripe.Billing.Meter> {
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

async function ensureProduct(stripe: Stripe, plan: Plan & { stripe: StripePlan }, changes: CatalogChanges) {
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
  changes: CatalogChanges,
) {
  const productId = plan.stripe.productId;
  const attached = new Map<string, string>(); // feature id -> product feature id
  for await (const entry of stripe.products.listFeatures(productId, { limit: 100 })) {
    attached.set(entry.entitlement_feature.id, entry.id);
  }
  const wanted = new Set<string>();
  for (const lookupKey of plan.features) {
    const feature = features.get(lookupKey);
    if (!feature) throw new Error(`Feature ${lookupKey} of plan ${plan.id} is not in FEATURES.`);
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

interface PriceSpec {
  lookupKey: string;
  unitAmountDecimal: string;
  usageType: "licensed" | "metered";
}

async function ensurePrices(
  stripe: Stripe,
  plan: StripePlan,
  meter: Stripe.Billing.Meter,
  changes: CatalogChanges,
) {
  const specs: PriceSpec[] = [
    {
      lookupKey: plan.flatPrice.lookupKey,
      unitAmountDecimal: String(plan.flatPrice.unitAmountCents),
      usageType: "licensed",
    },
    {
      lookupKey: plan.meteredPrice.lookupKey,
      unitAmountDecimal: plan.meteredPrice.unitAmountDecimalCents,
      usageType: "metered",
    },
  ];
  const existing = await stripe.prices.list({ lookup_keys: specs.map((spec) => spec.lookupKey), limit: 100 });
  for (const spec of specs) {
    const label = `price ${spec.lookupKey}`;
    const current = existing.data.find((price) => price.lookup_key === spec.lookupKey);
    if (current && priceMatches(current, spec, plan.productId, meter.id)) {
      if (current.active) {
        changes.unchanged.push(label);
      } else {
        await stripe.prices.update(current.id, { active: true });
        changes.updated.push(label);
      }
      continue;
    }
    await stripe.prices.create({
      product: plan.productId,
      currency: CURRENCY,
      unit_amount_decimal: Stripe.Decimal.from(spec.unitAmountDecimal),
      recurring:
        spec.usageType === "metered"
          ? { interval: "month", usage_type: "metered", meter: meter.id }
          : { interval: "month", usage_type: "licensed" },
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

/** Whether an existing price already is what the catalog asks for (prices cannot be edited). */
export function priceMatches(
  price: Pick<Stripe.Price, "product" | "currency" | "unit_amount_decimal" | "unit_amount" | "recurring">,
  spec: PriceSpec,
  productId: string,
  meterId: string,
): boolean {
  const product = typeof price.product === "string" ? price.product : price.product.id;
  const amount =
    price.unit_amount_decimal?.toString() ?? (price.unit_amount === null ? null : String(price.unit_amount));
  return (
    product === productId &&
    price.currency === CURRENCY &&
    amount !== null &&
    Number(amount) === Number(spec.unitAmountDecimal) &&
    price.recurring?.interval === "month" &&
    price.recurring.interval_count === 1 &&
    price.recurring.usage_type === spec.usageType &&
    (spec.usageType === "licensed" || price.recurring.meter === meterId)
  );
}
