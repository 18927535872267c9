/**
 * Prices: per unit or tiered (graduated or volume), recurring or one-time, metered prices billing a
 * meter; lookup keys that move between prices only when asked to.
 */
import { changedFields, type SandboxEngine } from "../engine/sandbox-engine";
import { StripeApiError, invalidParam, missingParam, unsupported } from "../errors";
import { newId } from "../ids";
import { matchesRange, newestFirst, paginate } from "../lists";
import type { PriceObject, PriceTierObject, RecurringObject, TiersMode } from "../objects";
import type { Params } from "../params";
import { meter } from "./meters";
import { createProduct, product } from "./products";
import { route, type ApiRoute } from "./route";

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
      engine.emit("price.updated", holder, changedFields(before, holder));
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

export const priceRoutes: ApiRoute[] = [
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
    engine.emit("price.updated", price, changedFields(before, price));
    return price;
  }),
];
