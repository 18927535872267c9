/**
 * `expand[]`: replaces ids in a response with the objects they name, along dotted paths
 * (`customer`, `latest_invoice`, `data.items.data.price.product`), up to Stripe's four levels, and
 * adds the "includable" fields Stripe leaves out unless asked: a price's or plan's `tiers`
 * (`expand[]=tiers`, `expand[]=data.tiers`, `expand[]=items.data.price.tiers`).
 */
import { invalidParam } from "./errors";
import type { SandboxEngine } from "./engine/sandbox-engine";

const MAX_DEPTH = 4;

/** The object an id names, by Stripe prefix. */
function resolve(engine: SandboxEngine, id: string): object | undefined {
  const state = engine.state;
  if (id.startsWith("cus_")) {
    return state.deletedCustomers.has(id)
      ? { id, object: "customer", deleted: true }
      : state.customers.get(id);
  }
  if (id.startsWith("sub_")) {
    const record = state.subscriptions.get(id);
    return record ? engine.subscription(record) : undefined;
  }
  if (id.startsWith("in_")) return state.invoices.get(id);
  if (id.startsWith("price_")) return state.prices.get(id);
  if (id.startsWith("prod_")) return state.products.get(id);
  if (id.startsWith("mtr_")) return state.meters.get(id);
  if (id.startsWith("feat_")) return state.features.get(id);
  if (id.startsWith("cs_")) return state.checkoutSessions.get(id)?.session;
  return undefined;
}

function expandPath(engine: SandboxEngine, value: unknown, segments: string[], full: string): unknown {
  if (segments.length === 0 || value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map((entry) => expandPath(engine, entry, segments, full));
  if (typeof value !== "object") throw invalidParam("expand", `This property cannot be expanded (${full}).`);
  const [head = "", ...rest] = segments;
  const record = value as Record<string, unknown>;
  if (head === "tiers" && rest.length === 0 && (record.object === "price" || record.object === "plan")) {
    // Per-unit prices have no tiers to include.
    const tiers = engine.state.priceTiers.get(String(record.id));
    return tiers ? { ...record, tiers: structuredClone(tiers) } : record;
  }
  if (!(head in record)) throw invalidParam("expand", `This property cannot be expanded (${full}).`);
  let field = record[head];
  if (typeof field === "string") {
    const resolved = resolve(engine, field);
    if (!resolved) throw invalidParam("expand", `This property cannot be expanded (${full}).`);
    field = structuredClone(resolved);
  }
  return { ...record, [head]: expandPath(engine, field, rest, full) };
}

/** Applies every expansion to a response body (a copy; stored objects are not touched). */
export function expandResponse(engine: SandboxEngine, body: object, paths: readonly string[]): object {
  let result: unknown = body;
  for (const path of paths) {
    const segments = path.split(".");
    if (segments.length > MAX_DEPTH + (segments[0] === "data" ? 1 : 0)) {
      throw invalidParam("expand", `You cannot expand more than 4 levels of a property. Property: ${path}`);
    }
    result = expandPath(engine, result, segments, path);
  }
  return result as object;
}
