/** List envelopes: `limit`, `starting_after`, `ending_before` and `created` ranges. */
import { invalidParam, noSuch } from "./errors";
import type { ListObject } from "./objects";
import type { Params } from "./params";

function readLimit(params: Params): number {
  const limit = params.int("limit") ?? 10;
  if (limit < 1 || limit > 100) {
    throw invalidParam(
      "limit",
      "Invalid integer: limit must be between 1 and 100.",
      "parameter_invalid_integer",
    );
  }
  return limit;
}

/** Pages items that are already newest first, as Stripe lists them. */
export function paginate<T extends { id: string }>(
  items: readonly T[],
  params: Params,
  url: string,
  kind: string,
): ListObject<T> {
  const limit = readLimit(params);
  const after = params.string("starting_after");
  const before = params.string("ending_before");
  if (after) {
    const index = items.findIndex((item) => item.id === after);
    if (index === -1) throw noSuch(kind, after, "starting_after");
    const rest = items.slice(index + 1);
    return { object: "list", data: rest.slice(0, limit), has_more: rest.length > limit, url };
  }
  if (before) {
    const index = items.findIndex((item) => item.id === before);
    if (index === -1) throw noSuch(kind, before, "ending_before");
    const earlier = items.slice(0, index);
    return { object: "list", data: earlier.slice(-limit), has_more: earlier.length > limit, url };
  }
  return { object: "list", data: items.slice(0, limit), has_more: items.length > limit, url };
}

/** Newest first: a map's values walked backwards from the latest insertion. */
export function newestFirst<T>(values: Iterable<T>): T[] {
  return [...values].reverse();
}

/** Applies `created`, `created[gte]`, ... filters (any other `*_time` field by name, too). */
export function matchesRange(value: number, params: Params, field = "created"): boolean {
  const exact = params.raw[field];
  if (typeof exact === "string") return exact === "" || value === params.int(field);
  const range = params.object(field);
  if (!range) return true;
  const gt = range.int("gt");
  const gte = range.int("gte");
  const lt = range.int("lt");
  const lte = range.int("lte");
  return (
    (gt === undefined || value > gt) &&
    (gte === undefined || value >= gte) &&
    (lt === undefined || value < lt) &&
    (lte === undefined || value <= lte)
  );
}
