/** Products and the entitlement features attached to them. */
import { syncEntitlements } from "../engine/entitlements";
import { changedFields, type SandboxEngine } from "../engine/sandbox-engine";
import { invalidParam, missingParam, noSuch, unsupported } from "../errors";
import { newId } from "../ids";
import { matchesRange, newestFirst, paginate } from "../lists";
import type { DeletedObject, ProductFeatureObject, ProductObject } from "../objects";
import type { Params } from "../params";
import { feature } from "./features-and-entitlements";
import { route, type ApiRoute } from "./route";

/** A product by id, or 404. */
export function product(engine: SandboxEngine, id: string, param = "id"): ProductObject {
  const found = engine.state.products.get(id);
  if (!found) throw noSuch("product", id, param);
  return found;
}

function readProduct(params: Params, target: ProductObject): void {
  const name = params.string("name");
  if (name !== undefined) {
    if (name === "") throw missingParam("name");
    target.name = name;
  }
  const active = params.bool("active");
  if (active !== undefined) target.active = active;
  const description = params.nullableString("description");
  if (description !== undefined) target.description = description;
  const unitLabel = params.nullableString("unit_label");
  if (unitLabel !== undefined) target.unit_label = unitLabel;
  const descriptor = params.nullableString("statement_descriptor");
  if (descriptor !== undefined) target.statement_descriptor = descriptor;
  const url = params.nullableString("url");
  if (url !== undefined) target.url = url;
  if (params.has("images")) target.images = params.strings("images");
  if (params.has("marketing_features")) {
    target.marketing_features = params
      .objects("marketing_features")
      .map((entry) => ({ name: entry.requiredString("name") }));
  }
  const metadata = params.metadata(target.metadata);
  if (metadata) target.metadata = metadata;
}

/** Stores a new product from `name` and the optional fields, and emits product.created. */
export function createProduct(engine: SandboxEngine, id: string, params: Params): ProductObject {
  const now = engine.now();
  const created: ProductObject = {
    id,
    object: "product",
    active: true,
    created: now,
    default_price: null,
    description: null,
    images: [],
    livemode: false,
    marketing_features: [],
    metadata: {},
    name: params.requiredString("name"),
    package_dimensions: null,
    shippable: null,
    statement_descriptor: null,
    tax_code: null,
    type: "service",
    unit_label: null,
    updated: now,
    url: null,
  };
  readProduct(params, created);
  engine.state.products.set(id, created);
  engine.emit("product.created", created);
  return created;
}

export const productRoutes: ApiRoute[] = [
  // POST /v1/products – create a product
  route("POST", "/v1/products", ({ engine, params }) => {
    const id = params.string("id") ?? newId("prod");
    if (engine.state.products.has(id))
      throw invalidParam("id", `Product already exists.`, "resource_already_exists");
    if (params.has("default_price_data")) throw unsupported("default_price_data", "default_price_data");
    return createProduct(engine, id, params);
  }),

  // GET /v1/products – list products (active, ids[])
  route("GET", "/v1/products", ({ engine, params }) => {
    const active = params.bool("active");
    const ids = params.strings("ids");
    const products = newestFirst(engine.state.products.values()).filter(
      (item) =>
        (active === undefined || item.active === active) &&
        (ids.length === 0 || ids.includes(item.id)) &&
        matchesRange(item.created, params),
    );
    return paginate(products, params, "/v1/products", "product");
  }),

  // GET /v1/products/:id – retrieve a product
  route("GET", "/v1/products/:id", ({ engine, path }) => product(engine, path.id ?? "")),

  // POST /v1/products/:id – update a product
  route("POST", "/v1/products/:id", ({ engine, params, path }) => {
    const target = product(engine, path.id ?? "");
    const before = structuredClone(target);
    readProduct(params, target);
    const defaultPrice = params.nullableString("default_price");
    if (defaultPrice !== undefined) {
      if (defaultPrice !== null && engine.price(defaultPrice, "default_price").product !== target.id) {
        throw invalidParam("default_price", "The default price must belong to this product.");
      }
      target.default_price = defaultPrice;
    }
    target.updated = engine.now();
    engine.emit("product.updated", target, changedFields(before, target));
    return target;
  }),

  // POST /v1/products/:id/features – attach an entitlement feature to a product
  route("POST", "/v1/products/:id/features", ({ engine, params, path }) => {
    const target = product(engine, path.id ?? "");
    const featureId = params.requiredString("entitlement_feature");
    const attached = feature(engine, featureId, "entitlement_feature");
    const existing = [...engine.state.productFeatures.values()].find(
      (entry) => entry.product === target.id && entry.feature === featureId,
    );
    if (existing) {
      throw invalidParam(
        "entitlement_feature",
        `Feature ${featureId} is already attached to product ${target.id}.`,
        "resource_already_exists",
      );
    }
    const id = newId("prodft");
    engine.state.productFeatures.set(id, { id, product: target.id, feature: featureId });
    syncEntitlements(engine);
    return {
      id,
      object: "product_feature",
      entitlement_feature: attached,
      livemode: false,
    } satisfies ProductFeatureObject;
  }),

  // GET /v1/products/:id/features – list a product's features
  route("GET", "/v1/products/:id/features", ({ engine, params, path }) => {
    const target = product(engine, path.id ?? "");
    const attached = newestFirst(engine.state.productFeatures.values())
      .filter((entry) => entry.product === target.id)
      .map((entry): ProductFeatureObject => ({
        id: entry.id,
        object: "product_feature",
        entitlement_feature: feature(engine, entry.feature),
        livemode: false,
      }));
    return paginate(attached, params, `/v1/products/${target.id}/features`, "product_feature");
  }),

  // DELETE /v1/products/:id/features/:feature – detach a feature
  route("DELETE", "/v1/products/:id/features/:feature", ({ engine, path }) => {
    const entry = engine.state.productFeatures.get(path.feature ?? "");
    if (!entry || entry.product !== path.id) throw noSuch("product_feature", path.feature ?? "");
    engine.state.productFeatures.delete(entry.id);
    syncEntitlements(engine);
    return { id: entry.id, object: "product_feature", deleted: true } satisfies DeletedObject;
  }),
];
