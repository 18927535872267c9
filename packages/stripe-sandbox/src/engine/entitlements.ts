/**
 * Active entitlements, derived as Stripe derives them: the features attached to the products of a
 * customer's entitled subscriptions. A change emits `entitlements.active_entitlement_summary.updated`.
 */
import type { SubscriptionStatus } from "../billing-objects";
import { derivedId } from "../ids";
import type { ActiveEntitlementObject, ActiveEntitlementSummaryObject } from "../objects";
import type { SandboxEngine } from "./sandbox-engine";

/** Statuses under which Stripe keeps a subscription's entitlements active. */
const ENTITLED_STATUSES: ReadonlySet<SubscriptionStatus> = new Set(["active", "trialing", "past_due"]);

/** Active feature ids of a customer, from its entitled subscriptions' products. */
function activeFeatureIds(engine: SandboxEngine, customer: string): string[] {
  const products = new Set<string>();
  for (const subscription of engine.state.subscriptions.values()) {
    if (subscription.customer !== customer || !ENTITLED_STATUSES.has(subscription.status)) continue;
    for (const item of subscription.items) {
      const price = engine.state.prices.get(item.price);
      if (price) products.add(price.product);
    }
  }
  const features: string[] = [];
  for (const attached of engine.state.productFeatures.values()) {
    const feature = engine.state.features.get(attached.feature);
    if (products.has(attached.product) && feature?.active && !features.includes(feature.id)) {
      features.push(feature.id);
    }
  }
  return features;
}

/** The entitlements of the given features (a feature since deleted has none). */
function entitlementsOf(
  engine: SandboxEngine,
  customer: string,
  featureIds: string[],
): ActiveEntitlementObject[] {
  return featureIds.flatMap((featureId) => {
    const feature = engine.state.features.get(featureId);
    if (!feature) return [];
    return [
      {
        id: derivedId("ent_test", customer, featureId),
        object: "entitlements.active_entitlement" as const,
        feature: featureId,
        livemode: false as const,
        lookup_key: feature.lookup_key,
      },
    ];
  });
}

/** A customer's active entitlements now. */
export function activeEntitlements(engine: SandboxEngine, customer: string): ActiveEntitlementObject[] {
  return entitlementsOf(engine, customer, activeFeatureIds(engine, customer));
}

/** The webhook body of `entitlements.active_entitlement_summary.updated`: at most 10 entitlements. */
function entitlementSummary(
  customer: string,
  entitlements: ActiveEntitlementObject[],
): ActiveEntitlementSummaryObject {
  return {
    object: "entitlements.active_entitlement_summary",
    customer,
    entitlements: {
      object: "list",
      data: entitlements.slice(0, 10),
      has_more: entitlements.length > 10,
      url: "/v1/entitlements/active_entitlements",
    },
    livemode: false,
  };
}

/**
 * Emits a summary event for every customer whose active features changed since it was last told
 * (all customers with subscriptions when `customers` is omitted, e.g. after a feature change).
 */
export function syncEntitlements(
  engine: SandboxEngine,
  customers?: Iterable<string>,
  created = engine.now(),
): void {
  const targets = new Set(
    customers ?? [...engine.state.subscriptions.values()].map((subscription) => subscription.customer),
  );
  for (const customer of targets) {
    const before = engine.state.entitlements.get(customer) ?? [];
    const after = activeFeatureIds(engine, customer);
    if (before.length === after.length && before.every((id, index) => after[index] === id)) continue;
    engine.state.entitlements.set(customer, after);
    engine.emit(
      "entitlements.active_entitlement_summary.updated",
      entitlementSummary(customer, entitlementsOf(engine, customer, after)),
      { entitlements: entitlementSummary(customer, entitlementsOf(engine, customer, before)).entitlements },
      created,
    );
  }
}
