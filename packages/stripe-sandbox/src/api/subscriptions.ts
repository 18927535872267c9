/** Subscriptions: list, retrieve, update (items, cancel_at_period_end, cancel_at), cancel now. */
import { syncEntitlements } from "../engine/entitlements";
import type { SandboxEngine } from "../engine/sandbox-engine";
import {
  emitSubscriptionUpdated,
  endSubscription,
  periodOf,
  setCancelAt,
  validateItems,
} from "../engine/subscriptions";
import { invalidParam, missingParam, noSuch, unsupported } from "../errors";
import { newId } from "../ids";
import { matchesRange, newestFirst, paginate } from "../lists";
import type { Params } from "../params";
import type { SubscriptionRecord } from "../sandbox-state";
import { route, type ApiRoute } from "./route";

/**
 * The `cancel_at` parameter: a future unix timestamp, `''` to unset it (`null`), or `undefined` when
 * absent. The keywords the SDK also allows (`min_period_end`, `max_period_end`, `max_billed_until`)
 * are refused as unsupported rather than guessed at.
 */
function readCancelAt(engine: SandboxEngine, params: Params): number | null | undefined {
  const value = params.string("cancel_at");
  if (value === undefined) return undefined;
  if (value === "") return null;
  if (!/^-?\d+$/.test(value)) throw unsupported(`cancel_at=${value}`, "cancel_at");
  const cancelAt = Number(value);
  if (cancelAt <= engine.now()) throw invalidParam("cancel_at", "cancel_at must be in the future.");
  return cancelAt;
}

/** Applies `items[]` of a subscription update (add, change price/quantity, delete). */
function updateItems(engine: SandboxEngine, record: SubscriptionRecord, params: Params): void {
  const { start, end } = periodOf(record);
  const items = [...record.items];
  params.objects("items").forEach((entry, index) => {
    const id = entry.string("id");
    const priceId = entry.string("price");
    const quantity = entry.int("quantity");
    if (entry.has("price_data")) throw unsupported("price_data", entry.name("price_data"));
    const existingIndex = id ? items.findIndex((item) => item.id === id) : -1;
    if (id && existingIndex === -1) throw noSuch("subscription_item", id, entry.name("id"));
    if (entry.bool("deleted")) {
      if (existingIndex === -1) throw missingParam(entry.name("id"));
      items.splice(existingIndex, 1);
      return;
    }
    const price = engine.price(priceId ?? items[existingIndex]?.price ?? "", entry.name("price"));
    const metered = price.recurring?.usage_type === "metered";
    if (metered && quantity !== undefined) {
      throw invalidParam(
        entry.name("quantity"),
        `Quantity should not be specified where usage_type is \`metered\`. Remove quantity from \`items[${index}]\`.`,
      );
    }
    const existing = items[existingIndex];
    if (existing) {
      const updated = { ...existing, price: price.id };
      if (metered) delete updated.quantity;
      else updated.quantity = quantity ?? existing.quantity ?? 1;
      items[existingIndex] = updated;
    } else {
      if (!priceId) throw missingParam(entry.name("price"));
      items.push({
        id: newId("si"),
        created: engine.now(),
        price: price.id,
        ...(metered ? {} : { quantity: quantity ?? 1 }),
        metadata: entry.metadata() ?? {},
        current_period_start: start,
        current_period_end: end,
      });
    }
  });
  validateItems(
    items.map((item, index) => ({ price: engine.price(item.price), param: `items[${index}][price]` })),
  );
  record.items = items;
}

export const subscriptionRoutes: ApiRoute[] = [
  // GET /v1/subscriptions – list subscriptions (customer, price, status; canceled only with status)
  route("GET", "/v1/subscriptions", ({ engine, params }) => {
    const customer = params.string("customer");
    const status = params.string("status");
    const price = params.string("price");
    const subscriptions = newestFirst(engine.state.subscriptions.values()).filter(
      (record) =>
        (customer === undefined || record.customer === customer) &&
        (status === "all" ||
          (status === undefined ? record.status !== "canceled" : record.status === status)) &&
        (price === undefined || record.items.some((item) => item.price === price)) &&
        matchesRange(record.created, params),
    );
    return paginate(
      subscriptions.map((record) => engine.subscription(record)),
      params,
      "/v1/subscriptions",
      "subscription",
    );
  }),

  // GET /v1/subscriptions/:id – retrieve a subscription
  route("GET", "/v1/subscriptions/:id", ({ engine, path }) =>
    engine.subscription(engine.subscriptionRecord(path.id ?? "")),
  ),

  // POST /v1/subscriptions/:id – update (cancel_at_period_end, cancel_at, items, metadata)
  route("POST", "/v1/subscriptions/:id", ({ engine, params, path }) => {
    const record = engine.subscriptionRecord(path.id ?? "");
    const before = engine.subscription(record);
    const canceledEditable = ["metadata", "cancellation_details", "expand"];
    if (
      record.status === "canceled" &&
      Object.keys(params.raw).some((key) => !canceledEditable.includes(key))
    ) {
      throw invalidParam(
        Object.keys(params.raw).find((key) => !canceledEditable.includes(key)) ?? "id",
        "A canceled subscription can only update its cancellation_details and metadata.",
      );
    }
    const cancelAtPeriodEnd = params.bool("cancel_at_period_end");
    const cancelAt = readCancelAt(engine, params);
    if (params.has("items")) updateItems(engine, record, params);
    if (cancelAtPeriodEnd !== undefined)
      setCancelAt(engine, record, cancelAtPeriodEnd ? periodOf(record).end : null);
    if (cancelAt !== undefined) setCancelAt(engine, record, cancelAt);
    const details = params.object("cancellation_details");
    if (details) {
      record.cancellation_details = {
        ...record.cancellation_details,
        comment: details.nullableString("comment") ?? record.cancellation_details.comment,
        feedback: details.nullableString("feedback") ?? record.cancellation_details.feedback,
      };
    }
    const description = params.nullableString("description");
    if (description !== undefined) record.description = description;
    const metadata = params.metadata(record.metadata);
    if (metadata) record.metadata = metadata;
    emitSubscriptionUpdated(engine, before, record);
    syncEntitlements(engine, [record.customer]);
    return engine.subscription(record);
  }),

  // DELETE /v1/subscriptions/:id – cancel now (invoice_now bills outstanding usage)
  route("DELETE", "/v1/subscriptions/:id", ({ engine, params, path }) => {
    const record = engine.subscriptionRecord(path.id ?? "");
    if (record.status === "canceled") {
      throw invalidParam(
        "id",
        "A canceled subscription can only update its cancellation_details and metadata.",
      );
    }
    const details = params.object("cancellation_details");
    if (details) {
      record.cancellation_details = {
        ...record.cancellation_details,
        comment: details.nullableString("comment") ?? null,
        feedback: details.nullableString("feedback") ?? null,
      };
    }
    endSubscription(engine, record, engine.now(), { finalUsageInvoice: params.bool("invoice_now") ?? false });
    return engine.subscription(record);
  }),
];
