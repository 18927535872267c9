import { GateError } from "./errors";

/** Credentials found on a request: a bearer token, or client credentials sent with HTTP Basic. */
export type Credentials =
  | { kind: "bearer"; token: string; source: "authorization" | "cookie" }
  /** RFC 6749 §2.3.1 client authentication; only parsed here, exchanging them is the caller's job. */
  | { kind: "basic"; clientId: string; clientSecret: string };

/** The parts of a request the extractor reads; a standard `Request` (or `NextRequest`) fits. */
export interface RequestLike {
  headers: Headers;
  url: string;
}

/** Options of {@link extractToken}. */
export interface ExtractTokenOptions {
  /** Also accept the token from this cookie (the Authorization header wins when both are sent). */
  cookieName?: string;
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Finds the credentials of a request: `Authorization: Bearer <token>` (scheme case-insensitive), else
 * the configured cookie, or `Authorization: Basic` client credentials. `null` when there are none.
 *
 * Never reads the URL query: a request with `access_token` in it is refused outright with
 * ERR_TOKEN_IN_QUERY (400 `invalid_request`), even when it also has a valid header, because the token
 * has already leaked into URLs and logs and RFC 6750 §2.3 advises against the method.
 *
 * @throws {GateError} ERR_TOKEN_IN_QUERY; ERR_TOKEN_MALFORMED for an empty bearer, several tokens or
 *   schemes in one header, characters outside b64token, or undecodable Basic credentials;
 *   ERR_COOKIE_CROSS_SITE for a cookie token on a request another site made.
 */
export function extractToken(request: RequestLike, options: ExtractTokenOptions = {}): Credentials | null {
  rejectTokenInQuery(request.url);

  const authorization = request.headers.get("authorization");
  if (authorization !== null) {
    const credentials = parseAuthorization(authorization);
    if (credentials) return credentials;
  }

  if (options.cookieName) {
    const token = readCookie(request.headers.get("cookie"), options.cookieName);
    if (token !== undefined) {
      if (!B64TOKEN.test(token)) throw new GateError("ERR_TOKEN_MALFORMED", "token cookie is not a b64token");
      rejectCrossSite(request.headers);
      return { kind: "bearer", token, source: "cookie" };
    }
  }
  return null;
}

/**
 * The bearer token of a request (see {@link extractToken}).
 *
 * @throws {GateError} ERR_TOKEN_MISSING when the request has no bearer token (Basic credentials or an
 *   unsupported scheme included: RFC 6750 §3.1 answers those with a challenge and no error code).
 */
export function extractBearerToken(request: RequestLike, options: ExtractTokenOptions = {}): string {
  const credentials = extractToken(request, options);
  if (credentials?.kind === "bearer") return credentials.token;
  throw new GateError(
    "ERR_TOKEN_MISSING",
    credentials ? "Basic credentials where a bearer token is required" : "no bearer token",
  );
}

/**
 * A browser sends cookies with requests other sites make (`<img src>`, forms, `fetch` without CORS):
 * a token taken from a cookie is accepted only on a same-origin request (Fetch Metadata's
 * `Sec-Fetch-Site`, or `none` for one the user typed), or one carrying `X-Requested-With`, which no
 * other site can add without a CORS preflight this API never grants.
 */
function rejectCrossSite(headers: Headers): void {
  const site = headers.get("sec-fetch-site");
  if (site === "same-origin" || site === "none" || headers.get("x-requested-with")) return;
  throw new GateError(
    "ERR_COOKIE_CROSS_SITE",
    site ? `token cookie on a ${site} request` : "token cookie without Sec-Fetch-Site or X-Requested-With",
  );
}

function rejectTokenInQuery(url: string): void {
  const question = url.indexOf("?");
  if (question === -1) return;
  const hash = url.indexOf("#", question);
  const query = url.slice(question + 1, hash === -1 ? undefined : hash);
  // Cheap pre-test; URLSearchParams also catches percent-encoded names such as access%5Ftoken.
  if (!query.includes("token") && !query.includes("%")) return;
  if (new URLSearchParams(query).has("access_token")) {
    throw new GateError("ERR_TOKEN_IN_QUERY", "access_token in the URL query");
  }
}

function parseAuthorization(value: string): Credentials | null {
  const space = value.indexOf(" ");
  const scheme = (space === -1 ? value : value.slice(0, space)).toLowerCase();
  const rest = space === -1 ? "" : value.slice(space + 1).replace(/^ +/, "");

  if (scheme === "bearer") {
    if (rest === "") throw new GateError("ERR_TOKEN_MALFORMED", "empty bearer token");
    if (!B64TOKEN.test(rest)) {
      throw new GateError("ERR_TOKEN_MALFORMED", "bearer credentials are not exactly one b64token");
    }
    return { kind: "bearer", token: rest, source: "authorization" };
  }
  if (scheme === "basic") return parseBasic(rest);
  // Several Authorization headers are joined with ", "; one of them Bearer is ambiguous, not absent.
  if (/(^|[\s,])bearer(\s|$)/i.test(value)) {
    throw new GateError("ERR_TOKEN_MALFORMED", "several authorization schemes in one request");
  }
  return null;
}

function parseBasic(encoded: string): Credentials {
  if (!B64TOKEN.test(encoded))
    throw new GateError("ERR_TOKEN_MALFORMED", "Basic credentials are not a token68");
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) throw new GateError("ERR_TOKEN_MALFORMED", "Basic credentials without client id and colon");
  try {
    // RFC 6749 §2.3.1: both parts are application/x-www-form-urlencoded before Base64.
    const clientId = formDecode(decoded.slice(0, colon));
    const clientSecret = formDecode(decoded.slice(colon + 1));
    return { kind: "basic", clientId, clientSecret };
  } catch {
    throw new GateError("ERR_TOKEN_MALFORMED", "Basic credentials are not form-urlencoded");
  }
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replaceAll("+", " "));
}

function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(";")) {
    const equals = pair.indexOf("=");
    if (equals === -1 || pair.slice(0, equals).trim() !== name) continue;
    let value = pair.slice(equals + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    // The first cookie of that name wins: browsers send the most specific path first.
    return value === "" ? undefined : value;
  }
  return undefined;
}
