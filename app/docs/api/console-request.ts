/** An operation as the "try it" console needs it (plain data: it crosses to the browser). */
export interface ConsoleOperation {
  id: string;
  method: string;
  /** The path template: `/api/v1/widgets/{id}`. */
  path: string;
  summary: string;
  pathParams: { name: string; example: string }[];
  queryParams: { name: string; description: string; placeholder: string }[];
  /** Pretty JSON to start from, or null for operations without a body. */
  exampleBody: string | null;
}

export type Built<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * The same-origin URL of a call: path parameters filled in (percent-encoded, so a value can never add
 * a path segment) and the non-empty query parameters appended.
 */
export function buildRequestPath(
  operation: Pick<ConsoleOperation, "path" | "pathParams" | "queryParams">,
  values: Record<string, string>,
): Built<string> {
  let path = operation.path;
  for (const { name } of operation.pathParams) {
    const value = (values[name] ?? "").trim();
    if (value === "") return { ok: false, message: `Fill in ${name}: this path needs it.` };
    if (value === "." || value === "..") return { ok: false, message: `${name} cannot be "${value}".` };
    path = path.replace(`{${name}}`, encodeURIComponent(value));
  }
  const query = new URLSearchParams();
  for (const { name } of operation.queryParams) {
    const value = (values[`query.${name}`] ?? "").trim();
    if (value !== "") query.set(name, value);
  }
  const search = query.toString();
  return { ok: true, value: search ? `${path}?${search}` : path };
}

/** The request body as compact JSON, or what is wrong with it in plain words. */
export function buildRequestBody(text: string): Built<string> {
  if (text.trim() === "")
    return { ok: false, message: "Write a JSON request body: this operation needs one." };
  try {
    return { ok: true, value: JSON.stringify(JSON.parse(text)) };
  } catch (error) {
    const reason = error instanceof SyntaxError ? ` (${error.message})` : "";
    return { ok: false, message: `The request body is not valid JSON${reason}. Fix it and send again.` };
  }
}

/**
 * Response headers worth showing: the content type, the IETF RateLimit fields, Retry-After, the request
 * id to quote to support, RFC 6750 challenges and Allow.
 */
export const SHOWN_HEADERS = [
  "content-type",
  "ratelimit",
  "ratelimit-policy",
  "retry-after",
  "x-request-id",
  "www-authenticate",
  "allow",
] as const;

/** The shown headers a response carries, in {@link SHOWN_HEADERS} order. */
export function pickHeaders(headers: Headers): [name: string, value: string][] {
  return SHOWN_HEADERS.flatMap((name) => {
    const value = headers.get(name);
    return value === null ? [] : [[name, value] as [string, string]];
  });
}

/** A response body for reading: JSON (and problem+json) pretty-printed, anything else as it came. */
export function formatBody(text: string, contentType: string | null): string {
  if (text === "") return "";
  if (contentType && /^application\/(.+\+)?json\b/i.test(contentType)) {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
      return text;
    }
  }
  return text;
}
