/**
 * Entitlement features (their lookup keys are the gate's scopes) and a customer's active
 * entitlements, which Stripe derives from the features of its subscriptions' products.
 */
import { activeEntitlements, syncEntitlements } from "../engine/entitlements";
import type { SandboxEngine } from "../engine/sandbox-engine";
import { invalidParam, noSuch } from "../errors";
import { newId } from "../ids";
import { newestFirst, paginate } from "../lists";
import type { FeatureObject } from "../objects";
import { route, type ApiRoute } from "./route";

/** An entitlement feature by id, or 404. */
export function feature(engine: SandboxEngine, id: string, param = "id"): FeatureObject {
  const found = engine.state.features.get(id);
  if (!found) throw noSuch("feature", id, param);
  return found;
}

export const featureRoutes: ApiRoute[] = [
  // POST /v1/entitlements/features – create a feature (its lookup key is the gate's scope)
  route("POST", "/v1/entitlements/features", ({ engine, params }) => {
    const lookupKey = params.requiredString("lookup_key");
    if ([...engine.state.features.values()].some((existing) => existing.lookup_key === lookupKey)) {
      throw invalidParam(
        "lookup_key",
        `A feature with lookup_key ${lookupKey} already exists.`,
        "resource_already_exists",
      );
    }
    const created: FeatureObject = {
      id: newId("feat_test", 24),
      object: "entitlements.feature",
      active: true,
      livemode: false,
      lookup_key: lookupKey,
      metadata: params.metadata() ?? {},
      name: params.requiredString("name"),
    };
    engine.state.features.set(created.id, created);
    return created;
  }),

  // GET /v1/entitlements/features – list features (lookup_key, archived)
  route("GET", "/v1/entitlements/features", ({ engine, params }) => {
    const lookupKey = params.string("lookup_key");
    const archived = params.bool("archived");
    const features = newestFirst(engine.state.features.values()).filter(
      (item) =>
        (lookupKey === undefined || item.lookup_key === lookupKey) &&
        (archived === undefined || item.active === !archived),
    );
    return paginate(features, params, "/v1/entitlements/features", "feature");
  }),

  // POST /v1/entitlements/features/:id – update (name, metadata, active=false archives)
  route("POST", "/v1/entitlements/features/:id", ({ engine, params, path }) => {
    const target = feature(engine, path.id ?? "");
    const name = params.string("name");
    if (name) target.name = name;
    const active = params.bool("active");
    if (active !== undefined) target.active = active;
    const metadata = params.metadata(target.metadata);
    if (metadata) target.metadata = metadata;
    syncEntitlements(engine);
    return target;
  }),

  // GET /v1/entitlements/active_entitlements – a customer's active entitlements, paginated
  route("GET", "/v1/entitlements/active_entitlements", ({ engine, params }) => {
    const customer = params.requiredString("customer");
    engine.customer(customer);
    return paginate(
      activeEntitlements(engine, customer),
      params,
      "/v1/entitlements/active_entitlements",
      "active_entitlement",
    );
  }),
];
