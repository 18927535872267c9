import type { IncomingMessage, ServerResponse } from "node:http";

const BODY_LIMIT = 64 * 1024;

/** Thrown for request bodies that are too large or not parseable; carries the HTTP status. */
export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
    this.name = "BodyError";
  }
}

/** Reads a request body (at most 64 KiB) as text. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > BODY_LIMIT) throw new BodyError(413, "request body too large");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * Parses a form or JSON body into string parameters, as Auth0's endpoints accept either. Non-string
 * JSON values are dropped: no parameter of the endpoints that use this is anything but a string.
 */
export async function readParams(req: IncomingMessage): Promise<Record<string, string>> {
  const text = await readBody(req);
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type === "application/json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new BodyError(400, "request body is not valid JSON");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new BodyError(400, "request body must be a JSON object");
    }
    return Object.fromEntries(
      Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
    );
  }
  return Object.fromEntries(new URLSearchParams(text));
}

/** Sends a JSON response with no-store caching, as token and management responses must not be cached. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { "content-type": "application/json; charset=utf-8" }),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

/** Sends an HTML page that may not be framed and loads nothing from elsewhere. */
export function sendHtml(res: ServerResponse, status: number, html: string, scriptSrc = "'none'"): void {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    "x-frame-options": "DENY",
    "content-security-policy": `default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; script-src ${scriptSrc}; frame-ancestors 'none'`,
    "referrer-policy": "no-referrer",
  });
  res.end(html);
}

/** Sends a 302 to a URL the caller has already checked against an allow-list. */
export function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(302, { location, "cache-control": "no-store", ...headers });
  res.end();
}

/** Escapes text for an HTML element or a double-quoted attribute. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Whether `candidate` matches an allowed URL: exactly, or, when both are loopback URLs, with any port
 * (RFC 8252 section 7.3: tests start the app on ephemeral ports). Scheme, path and, unless
 * `ignoreQuery`, the query must still match, so this never allows a redirect to another host.
 */
export function urlAllowed(
  candidate: string,
  allowed: readonly string[],
  options: { ignoreQuery?: boolean } = {},
): boolean {
  if (allowed.includes(candidate)) return true;
  const url = URL.parse(candidate);
  if (!url || url.hash || url.username || url.password || !LOOPBACK_HOSTS.has(url.hostname)) return false;
  return allowed.some((entry) => {
    const expected = URL.parse(entry);
    return (
      expected !== null &&
      LOOPBACK_HOSTS.has(expected.hostname) &&
      expected.protocol === url.protocol &&
      expected.hostname === url.hostname &&
      expected.pathname === url.pathname &&
      (options.ignoreQuery === true || expected.search === url.search)
    );
  });
}
