/**
 * List and search envelopes: `limit`, `starting_after`, `ending_before`, `created` ranges, and the
 * subset of Stripe's search query language a SaaS uses (`email:'a@b.co'`,
 * `metadata['auth0_user_id']:'auth0|1'`, `name~'acme'`, `-status:'canceled'`, AND / OR).
 */
import { invalidParam, noSuch } from "./errors";
import type { ListObject, SearchResultObject } from "./objects";
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

interface Clause {
  field: string;
  metadataKey?: string;
  operator: ":" | "~";
  value: string | null;
  negated: boolean;
}

const CLAUSE =
  /^(-?)(?:metadata\[(['"])(.+?)\2\]|([a-z_.]+))\s*([:~])\s*(?:(['"])(.*?)\6|(null)|(-?\d+(?:\.\d+)?))$/;

function parseQuery(query: string): { clauses: Clause[]; any: boolean } {
  const trimmed = query.trim();
  const hasAnd = / AND /.test(trimmed);
  const hasOr = / OR /.test(trimmed);
  if (!trimmed || (hasAnd && hasOr)) {
    throw invalidParam(
      "query",
      "Invalid search query: AND and OR cannot be combined in one query.",
      "parameter_invalid",
    );
  }
  const clauses = trimmed.split(hasOr ? / OR / : / AND /).map((text): Clause => {
    const match = CLAUSE.exec(text.trim());
    if (!match)
      throw invalidParam(
        "query",
        `Invalid search query: could not parse \`${text.trim()}\`.`,
        "parameter_invalid",
      );
    const [, negated, , metadataKey, field, operator, , quoted, nullLiteral, numeric] = match;
    return {
      field: metadataKey !== undefined ? "metadata" : (field ?? ""),
      metadataKey,
      operator: operator === "~" ? "~" : ":",
      value: nullLiteral ? null : (quoted ?? numeric ?? ""),
      negated: negated === "-",
    };
  });
  return { clauses, any: hasOr };
}

function fieldValue(item: Record<string, unknown>, clause: Clause): string | null {
  const raw =
    clause.metadataKey !== undefined
      ? (item.metadata as Record<string, string> | undefined)?.[clause.metadataKey]
      : item[clause.field];
  if (raw === undefined || raw === null) return null;
  return typeof raw === "object" ? null : String(raw);
}

function matches(item: Record<string, unknown>, clause: Clause): boolean {
  const actual = fieldValue(item, clause);
  let result: boolean;
  if (clause.value === null) result = actual === null;
  else if (actual === null) result = false;
  else if (clause.operator === "~") result = actual.toLowerCase().includes(clause.value.toLowerCase());
  // Stripe matches emails case-insensitively; other exact matches are exact.
  else if (clause.field === "email") result = actual.toLowerCase() === clause.value.toLowerCase();
  else result = actual === clause.value;
  return clause.negated ? !result : result;
}

/** Runs a search over items (newest first) with Stripe's `page` cursor. */
export function search<T extends { id: string }>(
  items: readonly T[],
  params: Params,
  url: string,
): SearchResultObject<T> {
  const query = params.requiredString("query");
  const { clauses, any } = parseQuery(query);
  const limit = readLimit(params);
  const found = items.filter((item) => {
    const fields = item as unknown as Record<string, unknown>;
    return any
      ? clauses.some((clause) => matches(fields, clause))
      : clauses.every((clause) => matches(fields, clause));
  });
  const page = params.string("page");
  const offset = page ? Number(Buffer.from(page, "base64url").toString("utf8")) : 0;
  if (!Number.isInteger(offset) || offset < 0) throw invalidParam("page", "Invalid page cursor.");
  const data = found.slice(offset, offset + limit);
  const hasMore = found.length > offset + limit;
  return {
    object: "search_result",
    data,
    has_more: hasMore,
    next_page: hasMore ? Buffer.from(String(offset + limit)).toString("base64url") : null,
    url,
  };
}
