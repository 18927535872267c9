import type { IncomingMessage } from "node:http";
import { BodyError, readBody } from "@tollgate/local-http";
import { z } from "zod";
import { ManagementError } from "./management-error";

/** A JSON body checked against `schema`; errors answer 400 (or 413) `invalid_body` as Auth0 does. */
export async function parseJson<T extends z.ZodType>(req: IncomingMessage, schema: T): Promise<z.output<T>> {
  let body: unknown;
  try {
    body = JSON.parse((await readBody(req)) || "{}");
  } catch (error) {
    if (error instanceof BodyError && error.status === 413)
      throw new ManagementError(413, error.message, "invalid_body");
    throw new ManagementError(400, "Invalid request payload JSON format", "invalid_body");
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` (${issue.path.join(".")})` : "";
    throw new ManagementError(
      400,
      `Payload validation error: '${issue?.message ?? "invalid"}'${where}.`,
      "invalid_body",
    );
  }
  return parsed.data;
}

/** The query string checked against `schema`; errors answer 400 `invalid_query_string`. */
export function parseQuery<T extends z.ZodType>(url: URL, schema: T): z.output<T> {
  const parsed = schema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ManagementError(
      400,
      `Query validation error: '${issue?.message ?? "invalid"}' on property ${issue?.path.join(".") ?? "?"}.`,
      "invalid_query_string",
    );
  }
  return parsed.data;
}

/** Auth0's paging parameters, shared by the list endpoints. */
export const pagination = {
  page: z.coerce.number().int().min(0).optional(),
  per_page: z.coerce.number().int().min(1).max(100).optional(),
  include_totals: z.enum(["true", "false"]).optional(),
};

/** Auth0's `fields` + `include_fields` parameters, for endpoints that project their answer. */
export const fieldsQuery = z.object({
  fields: z.string().optional(),
  include_fields: z.enum(["true", "false"]).optional(),
});

/** Auth0's `fields` + `include_fields` projection. */
export function project<T extends object>(
  record: T,
  fields: string | undefined,
  include = "true",
): Partial<T> {
  if (!fields) return record;
  const names = new Set(fields.split(",").map((field) => field.trim()));
  return Object.fromEntries(
    Object.entries(record).filter(([key]) => names.has(key) === (include === "true")),
  ) as Partial<T>;
}

/** Auth0's paging: a plain array, or `{ start, limit, length, total, [key]: [...] }` with totals. */
export function paginate<T>(
  items: T[],
  query: { page?: number; per_page?: number; include_totals?: string },
  key: string,
) {
  const perPage = query.per_page ?? 50;
  const page = query.page ?? 0;
  const slice = items.slice(page * perPage, (page + 1) * perPage);
  if (query.include_totals !== "true") return slice;
  return { start: page * perPage, limit: perPage, length: slice.length, total: items.length, [key]: slice };
}
