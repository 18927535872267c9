/**
 * The catalog a metered SaaS sets up: products, prices (lookup keys, metered prices on meters),
 * entitlement features attached to products, billing meters, meter events and their summaries, and
 * the active entitlements derived from subscriptions.
 */
import { dropReason, metersByEventName } from "./api-meter-event-stream";
import { isAligned } from "./billing-math";
import { StripeApiError, invalidParam, missingParam, noSuch, unsupported } from "./errors";
import { derivedId, newId } from "./ids";
import { matchesRange, newestFirst, paginate } from "./lists";
import type {
  DeletedObject,
  FeatureObject,
  ListObject,
  MeterEventObject,
  MeterEventSummaryObject,
  MeterObject,
  PriceObject,
  PriceTierObject,
  ProductFeatureObject,
  ProductObject,
  RecurringObject,
  TiersMode,
} from "./objects";
import type { Params } from "./params";
import { route, type ApiRoute } from "./api-route";
import type { SandboxEngine } from "./sandbox-engine";

const DAY = 86_400;
/** Stripe accepts meter events up to 35 days old and 5 minutes ahead (v1 and the v2 stream). */
export const METER_EVENT_MAX_AGE = 35 * DAY;
export const METER_EVENT_MAX_AHEAD = 300;

function product(engine: SandboxEngine, id: string, param = "id"): ProductObject {
  const found = engine.state.products.get(id);
  if (!found) throw noSuch("product", id, param);
  return found;
}

function meter(engine: SandboxEngine, id: string, param = "id"): MeterObject {
  const found = engine.state.meters.get(id);
  if (!found) throw noSuch("billing.meter", id, param);
  return found;
}

function feature(engine: SandboxEngine, id: string, param = "id"): FeatureObject {
  const found = engine.state.features.get(id);
  if (!found) throw noSuch("feature", id, param);
  return found;
}

function diff<T extends object>(before: T, after: T): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  for (const key of Object.keys(after) as Array<keyof T>) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) previous[key as string] = before[key];
  }
  return previous;
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

/** Sets a price's lookup key, moving it from another price only when `transfer_lookup_key=true`. */
function assignLookupKey(engine: SandboxEngine, params: Params, price: PriceObject): void {
  const lookupKey = params.nullableString("lookup_key");
  if (lookupKey === undefined) return;
  if (lookupKey !== null) {
    const holder = [...engine.state.prices.values()].find(
      (other) => other.lookup_key === lookupKey && other.id !== price.id,
    );
    if (holder) {
      if (params.bool("transfer_lookup_key") !== true) {
        throw invalidParam(
          "lookup_key",
          `A price (\`${holder.id}\`) already uses that lookup key. Set \`transfer_lookup_key\` to true to transfer it to this price.`,
          "lookup_key_already_used",
        );
      }
      const before = structuredClone(holder);
      holder.lookup_key = null;
      engine.emit("price.updated", holder, diff(before, holder));
    }
  }
  price.lookup_key = lookupKey;
}

function readRecurring(engine: SandboxEngine, params: Params): RecurringObject | null {
  const recurring = params.object("recurring");
  if (!recurring) return null;
  const interval = recurring.enum("interval", ["day", "week", "month", "year"] as const);
  if (!interval) throw missingParam("recurring[interval]");
  const usageType = recurring.enum("usage_type", ["licensed", "metered"] as const) ?? "licensed";
  if (recurring.has("aggregate_usage")) {
    throw invalidParam(
      "recurring[aggregate_usage]",
      "`aggregate_usage` was removed in 2025-03-31.basil: metered prices bill a billing meter (`recurring[meter]`).",
    );
  }
  const meterId = recurring.string("meter") ?? null;
  if (usageType === "metered" && !meterId) throw missingParam("recurring[meter]");
  if (meterId) meter(engine, meterId, "recurring[meter]");
  return {
    interval,
    interval_count: recurring.int("interval_count") ?? 1,
    meter: meterId,
    trial_period_days: recurring.int("trial_period_days") ?? null,
    usage_type: usageType,
  };
}

function meterSummaries(
  engine: SandboxEngine,
  target: MeterObject,
  params: Params,
): ListObject<MeterEventSummaryObject> {
  const customer = params.requiredString("customer");
  engine.customer(customer);
  const start = params.requiredInt("start_time");
  const end = params.requiredInt("end_time");
  const window = params.enum("value_grouping_window", ["hour", "day"] as const);
  for (const [name, value] of [
    ["start_time", start],
    ["end_time", end],
  ] as const) {
    if (!isAligned(value, "minute"))
      throw invalidParam(name, `${name} must be aligned with minute boundaries.`);
    if (window && !isAligned(value, window)) {
      throw invalidParam(
        name,
        `${name} must be aligned with ${window} boundaries when value_grouping_window is ${window}.`,
      );
    }
  }
  if (end <= start) throw invalidParam("end_time", "end_time must be after start_time.");
  const size = window === "hour" ? 3600 : window === "day" ? DAY : end - start;
  const summaries: MeterEventSummaryObject[] = [];
  for (let bucket = start; bucket < end; bucket += size) {
    const bucketEnd = Math.min(bucket + size, end);
    const values = engine.meteredValues(target, customer, bucket, bucketEnd);
    // Grouped windows list only the windows that had events; one window always answers.
    if (window && values.length === 0) continue;
    summaries.push({
      id: derivedId("mtrusg_test", target.id, customer, bucket, bucketEnd),
      object: "billing.meter_event_summary",
      aggregated_value: engine.usage(target, customer, bucket, bucketEnd),
      end_time: bucketEnd,
      livemode: false,
      meter: target.id,
      start_time: bucket,
    });
  }
  return paginate(
    summaries,
    params,
    `/v1/billing/meters/${target.id}/event_summaries`,
    "billing.meter_event_summary",
  );
}

/** 400 for two parameters of which Stripe takes one, worded as Stripe words it. */
function onlyOneOf(first: string, second: string): StripeApiError {
  return invalidParam(first, `You may only specify one of these parameters: ${first}, ${second}.`);
}

/** A decimal as Stripe's integer field shows it: the integer when it is one, else null. */
function integerOrNull(decimal: string): number | null {
  const value = Number(decimal);
  return Number.isInteger(value) ? value : null;
}

/**
 * Reads `tiers[i][up_to|unit_amount|unit_amount_decimal|flat_amount|flat_amount_decimal]`: each tier
 * needs `up_to` (a positive integer above the previous tier's, or `inf` for the last tier only) and
 * an amount; Stripe's rules for tiered prices.
 */
function readTiers(params: Params): PriceTierObject[] {
  const entries = params.objects("tiers");
  if (entries.length === 0) throw missingParam("tiers");
  let previous = 0;
  return entries.map((entry, index) => {
    const last = index === entries.length - 1;
    const rawUpTo = entry.string("up_to");
    if (rawUpTo === undefined || rawUpTo === "") throw missingParam(entry.name("up_to"));
    let upTo: number | null;
    if (rawUpTo === "inf") {
      if (!last) {
        throw invalidParam(
          entry.name("up_to"),
          "Only the last tier can have `up_to` set to `inf`; the tiers must be in ascending order of `up_to`.",
        );
      }
      upTo = null;
    } else {
      upTo = entry.int("up_to") ?? null;
      if (upTo === null || upTo <= previous) {
        throw invalidParam(
          entry.name("up_to"),
          `Invalid ${entry.name("up_to")}: each tier's \`up_to\` must be a positive integer greater than the previous tier's (${previous}).`,
        );
      }
      if (last) {
        throw invalidParam(
          entry.name("up_to"),
          "The last tier must have `up_to` set to `inf`, so that every quantity falls in a tier.",
        );
      }
      previous = upTo;
    }
    const unitAmount = entry.int("unit_amount");
    const unitAmountDecimal = entry.decimal("unit_amount_decimal");
    if (unitAmount !== undefined && unitAmountDecimal !== undefined) {
      throw onlyOneOf(entry.name("unit_amount"), entry.name("unit_amount_decimal"));
    }
    const flatAmount = entry.int("flat_amount");
    const flatAmountDecimal = entry.decimal("flat_amount_decimal");
    if (flatAmount !== undefined && flatAmountDecimal !== undefined) {
      throw onlyOneOf(entry.name("flat_amount"), entry.name("flat_amount_decimal"));
    }
    for (const [field, value] of [
      ["unit_amount", unitAmount ?? unitAmountDecimal],
      ["flat_amount", flatAmount ?? flatAmountDecimal],
    ] as const) {
      if (value !== undefined && Number(value) < 0) {
        throw invalidParam(entry.name(field), `Invalid ${entry.name(field)}: must be at least 0.`);
      }
    }
    const unit = unitAmountDecimal ?? (unitAmount === undefined ? undefined : String(unitAmount));
    const flat = flatAmountDecimal ?? (flatAmount === undefined ? undefined : String(flatAmount));
    if (unit === undefined && flat === undefined) {
      throw invalidParam(
        entry.name("unit_amount"),
        `Each tier needs an amount: set \`unit_amount\` or \`flat_amount\` (or their \`_decimal\` forms) on tiers[${index}].`,
      );
    }
    return {
      flat_amount: flat === undefined ? null : (flatAmount ?? integerOrNull(flat)),
      flat_amount_decimal: flat ?? null,
      unit_amount: unit === undefined ? null : (unitAmount ?? integerOrNull(unit)),
      unit_amount_decimal: unit ?? null,
      up_to: upTo,
    };
  });
}

/** Stores a new product from `name` and the optional fields, and emits product.created. */
function createProduct(engine: SandboxEngine, id: string, params: Params): ProductObject {
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

export const catalogRoutes: ApiRoute[] = [
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
    engine.emit("product.updated", target, diff(before, target));
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
    engine.syncEntitlements();
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
    engine.syncEntitlements();
    return { id: entry.id, object: "product_feature", deleted: true } satisfies DeletedObject;
  }),

  // POST /v1/prices – create a price (per unit or tiered; metered prices bill a meter)
  route("POST", "/v1/prices", ({ engine, params }) => {
    const currency = params.requiredString("currency").toLowerCase();
    let productId = params.string("product");
    const productData = params.object("product_data");
    if (!productId && !productData) throw missingParam("product");
    const scheme = params.enum("billing_scheme", ["per_unit", "tiered"] as const) ?? "per_unit";
    const recurring = readRecurring(engine, params);
    const unitAmount = params.int("unit_amount");
    const unitAmountDecimal = params.decimal("unit_amount_decimal");
    if (unitAmount !== undefined && unitAmountDecimal !== undefined)
      throw onlyOneOf("unit_amount", "unit_amount_decimal");
    if (params.has("custom_unit_amount")) throw unsupported("custom_unit_amount", "custom_unit_amount");
    if (params.has("transform_quantity")) throw unsupported("transform_quantity", "transform_quantity");
    let tiers: PriceTierObject[] | null = null;
    let tiersMode: TiersMode | null = null;
    if (scheme === "tiered") {
      for (const [field, value] of [
        ["unit_amount", unitAmount],
        ["unit_amount_decimal", unitAmountDecimal],
      ] as const) {
        if (value !== undefined) {
          throw invalidParam(
            field,
            `You cannot set \`${field}\` when \`billing_scheme\` is \`tiered\`: the \`tiers\` set the amounts.`,
          );
        }
      }
      tiersMode = params.enum("tiers_mode", ["graduated", "volume"] as const) ?? null;
      if (!tiersMode) throw missingParam("tiers_mode");
      tiers = readTiers(params);
    } else {
      for (const field of ["tiers", "tiers_mode"]) {
        if (params.has(field)) {
          throw invalidParam(field, `\`${field}\` can only be set when \`billing_scheme\` is \`tiered\`.`);
        }
      }
      if (unitAmount === undefined && unitAmountDecimal === undefined) throw missingParam("unit_amount");
    }
    if (productId) product(engine, productId, "product");
    const now = engine.now();
    if (!productId && productData) productId = createProduct(engine, newId("prod"), productData).id;
    const decimal = tiers ? null : (unitAmountDecimal ?? String(unitAmount));
    const price: PriceObject = {
      id: newId("price"),
      object: "price",
      active: params.bool("active") ?? true,
      billing_scheme: scheme,
      created: now,
      currency,
      custom_unit_amount: null,
      livemode: false,
      lookup_key: null,
      metadata: params.metadata() ?? {},
      nickname: params.string("nickname") ?? null,
      product: productId ?? "",
      recurring,
      tax_behavior:
        params.enum("tax_behavior", ["exclusive", "inclusive", "unspecified"] as const) ?? "unspecified",
      tiers_mode: tiersMode,
      transform_quantity: null,
      type: recurring ? "recurring" : "one_time",
      unit_amount: decimal === null ? null : (unitAmount ?? integerOrNull(decimal)),
      unit_amount_decimal: decimal,
    };
    assignLookupKey(engine, params, price);
    engine.state.prices.set(price.id, price);
    if (tiers) engine.state.priceTiers.set(price.id, tiers);
    engine.emit("price.created", price);
    return price;
  }),

  // GET /v1/prices – list prices (active, product, type, lookup_keys[], recurring filters)
  route("GET", "/v1/prices", ({ engine, params }) => {
    const active = params.bool("active");
    const productId = params.string("product");
    const type = params.enum("type", ["one_time", "recurring"] as const);
    const currency = params.string("currency");
    const lookupKeys = params.strings("lookup_keys");
    const recurring = params.object("recurring");
    const interval = recurring?.string("interval");
    const usageType = recurring?.string("usage_type");
    const meterId = recurring?.string("meter");
    const prices = newestFirst(engine.state.prices.values()).filter(
      (price) =>
        (active === undefined || price.active === active) &&
        (productId === undefined || price.product === productId) &&
        (type === undefined || price.type === type) &&
        (currency === undefined || price.currency === currency.toLowerCase()) &&
        (lookupKeys.length === 0 || (price.lookup_key !== null && lookupKeys.includes(price.lookup_key))) &&
        (interval === undefined || price.recurring?.interval === interval) &&
        (usageType === undefined || price.recurring?.usage_type === usageType) &&
        (meterId === undefined || price.recurring?.meter === meterId) &&
        matchesRange(price.created, params),
    );
    return paginate(prices, params, "/v1/prices", "price");
  }),

  // GET /v1/prices/:id – retrieve a price
  route("GET", "/v1/prices/:id", ({ engine, path }) => engine.price(path.id ?? "", "id")),

  // POST /v1/prices/:id – update a price (active, lookup_key, metadata, nickname)
  route("POST", "/v1/prices/:id", ({ engine, params, path }) => {
    const price = engine.price(path.id ?? "", "id");
    const before = structuredClone(price);
    for (const fixed of [
      "unit_amount",
      "unit_amount_decimal",
      "currency",
      "recurring",
      "product",
      "billing_scheme",
      "tiers",
      "tiers_mode",
    ]) {
      if (params.has(fixed))
        throw invalidParam(
          fixed,
          `Received unknown parameter: ${fixed}. Prices are immutable; create a new price instead.`,
          "parameter_unknown",
        );
    }
    const active = params.bool("active");
    if (active !== undefined) price.active = active;
    const nickname = params.nullableString("nickname");
    if (nickname !== undefined) price.nickname = nickname;
    const taxBehavior = params.enum("tax_behavior", ["exclusive", "inclusive", "unspecified"] as const);
    if (taxBehavior) price.tax_behavior = taxBehavior;
    const metadata = params.metadata(price.metadata);
    if (metadata) price.metadata = metadata;
    assignLookupKey(engine, params, price);
    engine.emit("price.updated", price, diff(before, price));
    return price;
  }),

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
    engine.syncEntitlements();
    return target;
  }),

  // GET /v1/entitlements/active_entitlements – a customer's active entitlements, paginated
  route("GET", "/v1/entitlements/active_entitlements", ({ engine, params }) => {
    const customer = params.requiredString("customer");
    engine.customer(customer);
    return paginate(
      engine.activeEntitlements(customer),
      params,
      "/v1/entitlements/active_entitlements",
      "active_entitlement",
    );
  }),

  // POST /v1/billing/meters – create a meter
  route("POST", "/v1/billing/meters", ({ engine, params }) => {
    const eventName = params.requiredString("event_name");
    const aggregation = params.object("default_aggregation");
    if (!aggregation) throw missingParam("default_aggregation");
    const formula = aggregation.enum("formula", ["count", "sum", "last"] as const);
    if (!formula) throw missingParam("default_aggregation[formula]");
    if (
      [...engine.state.meters.values()].some(
        (existing) => existing.status === "active" && existing.event_name === eventName,
      )
    ) {
      throw invalidParam(
        "event_name",
        `An active meter with event_name \`${eventName}\` already exists.`,
        "resource_already_exists",
      );
    }
    const mapping = params.object("customer_mapping");
    if (mapping && mapping.string("type") !== undefined && mapping.string("type") !== "by_id") {
      throw invalidParam("customer_mapping[type]", "customer_mapping[type] must be by_id.");
    }
    if (params.has("event_time_window"))
      throw unsupported("Pre-aggregated meters (event_time_window)", "event_time_window");
    const now = engine.now();
    const created: MeterObject = {
      id: newId("mtr_test", 24),
      object: "billing.meter",
      created: now,
      customer_mapping: {
        event_payload_key: mapping?.string("event_payload_key") ?? "stripe_customer_id",
        type: "by_id",
      },
      default_aggregation: { formula },
      display_name: params.requiredString("display_name"),
      event_name: eventName,
      event_time_window: null,
      livemode: false,
      status: "active",
      status_transitions: { deactivated_at: null },
      updated: now,
      value_settings: {
        event_payload_key: params.object("value_settings")?.string("event_payload_key") ?? "value",
      },
    };
    engine.state.meters.set(created.id, created);
    engine.emit("billing.meter.created", created);
    return created;
  }),

  // GET /v1/billing/meters – list meters (status)
  route("GET", "/v1/billing/meters", ({ engine, params }) => {
    const status = params.enum("status", ["active", "inactive"] as const);
    const meters = newestFirst(engine.state.meters.values()).filter(
      (item) => status === undefined || item.status === status,
    );
    return paginate(meters, params, "/v1/billing/meters", "billing.meter");
  }),

  // GET /v1/billing/meters/:id – retrieve a meter
  route("GET", "/v1/billing/meters/:id", ({ engine, path }) => meter(engine, path.id ?? "")),

  // POST /v1/billing/meters/:id – update a meter's display name (the rest is immutable)
  route("POST", "/v1/billing/meters/:id", ({ engine, params, path }) => {
    const target = meter(engine, path.id ?? "");
    const displayName = params.string("display_name");
    if (displayName) target.display_name = displayName;
    target.updated = engine.now();
    engine.emit("billing.meter.updated", target);
    return target;
  }),

  // POST /v1/billing/meters/:id/deactivate – stop accepting events
  route("POST", "/v1/billing/meters/:id/deactivate", ({ engine, path }) => {
    const target = meter(engine, path.id ?? "");
    target.status = "inactive";
    target.status_transitions.deactivated_at = engine.now();
    target.updated = engine.now();
    engine.emit("billing.meter.deactivated", target);
    return target;
  }),

  // POST /v1/billing/meters/:id/reactivate – accept events again
  route("POST", "/v1/billing/meters/:id/reactivate", ({ engine, path }) => {
    const target = meter(engine, path.id ?? "");
    target.status = "active";
    target.status_transitions.deactivated_at = null;
    target.updated = engine.now();
    engine.emit("billing.meter.reactivated", target);
    return target;
  }),

  // GET /v1/billing/meters/:id/event_summaries – aggregated usage of a customer in a window
  route("GET", "/v1/billing/meters/:id/event_summaries", ({ engine, params, path }) =>
    meterSummaries(engine, meter(engine, path.id ?? ""), params),
  ),

  // POST /v1/billing/meter_events – record usage
  route("POST", "/v1/billing/meter_events", ({ engine, params }) => {
    const eventName = params.requiredString("event_name");
    const payload = params.object("payload");
    if (!payload) throw missingParam("payload");
    const values: Record<string, string> = {};
    for (const key of Object.keys(payload.raw)) values[key] = payload.requiredString(key);
    const now = engine.now();
    const timestamp = params.int("timestamp") ?? now;
    if (timestamp < now - METER_EVENT_MAX_AGE) {
      throw invalidParam(
        "timestamp",
        `The event timestamp cannot be more than 35 days in past. Expected a timestamp greater than or equal to ${now - METER_EVENT_MAX_AGE}.`,
        "timestamp_too_far_in_past",
      );
    }
    if (timestamp > now + METER_EVENT_MAX_AHEAD) {
      throw invalidParam(
        "timestamp",
        `The event timestamp cannot be more than 5 minutes in the future. Expected a timestamp less than or equal to ${now + METER_EVENT_MAX_AHEAD}.`,
        "timestamp_in_future",
      );
    }
    const identifier = params.string("identifier") ?? newId("idmp", 24);
    if (identifier.length > 100)
      throw invalidParam("identifier", "identifier must be at most 100 characters.");
    if (engine.meterEventIdentifierInUse(identifier)) {
      // Stripe's wording (no `code`), which reporters match to treat a resend as delivered.
      throw new StripeApiError(
        400,
        "invalid_request_error",
        `An event already exists with identifier ${identifier}.`,
        undefined,
        "identifier",
      );
    }
    const event: MeterEventObject = {
      object: "billing.meter_event",
      created: now,
      event_name: eventName,
      identifier,
      livemode: false,
      payload: values,
      timestamp,
    };
    // Stripe checks the meter and the customer after answering 200, and drops the event when they fail
    // (reported in a meter error report); so does the sandbox.
    const meter = metersByEventName(engine.state.meters.values()).get(eventName);
    const dropped = dropReason(engine.state, event, meter, timestamp, now);
    if (dropped) {
      engine.dropMeterEvent({
        identifier,
        event_name: eventName,
        meter: meter?.id ?? null,
        ...dropped,
        at: now,
      });
      return event;
    }
    engine.state.meterEvents.push(event);
    engine.useMeterEventIdentifier(identifier);
    return event;
  }),
];
