import "server-only";
import { z } from "zod";

// Why hand-written: openid-client (v6 `clientCredentialsGrant`) would be the library choice, but it is not
// installed here (not even transitively), and it needs discovery or a hand-built `Configuration`, and
// still leaves caching and single flight to us. What we need is one form POST, a zod-parsed answer and a
// cache with one request in flight: about 80 lines that are easier to audit than a new dependency.

/** Every way getting a client-credentials token can fail. */
export type ClientCredentialsErrorCode =
  /**
   * The token endpoint answered with an OAuth error (RFC 6749 §5.2): a wrong secret or unknown client
   * (`invalid_client`), no grant for the audience or a scope (`access_denied`), ... See `oauthError`.
   */
  | "ERR_TOKEN_ENDPOINT_REJECTED"
  /** No answer: connection refused, DNS or TLS failure, or no complete response within the timeout. */
  | "ERR_TOKEN_ENDPOINT_UNREACHABLE"
  /** Any other non-2xx answer: 5xx, 429, a redirect, a 4xx without an OAuth error body. */
  | "ERR_TOKEN_ENDPOINT_FAILED"
  /** A 2xx answer that is not a bearer token response (RFC 6749 §5.1). */
  | "ERR_TOKEN_RESPONSE_INVALID"
  /** Refused before contacting the endpoint: too many recent failures or requests in flight. */
  | "ERR_TOKEN_REQUEST_THROTTLED";

/**
 * The one error class of client credentials: a stable `code`, and a `reason` that names the endpoint and
 * what it said. Neither ever contains the client secret or a token.
 *
 * @example
 *   try { await upstream.getToken() } catch (error) {
 *     if (error instanceof ClientCredentialsError && error.oauthError === "invalid_client") ...
 *   }
 */
export class ClientCredentialsError extends Error {
  override name = "ClientCredentialsError";
  readonly code: ClientCredentialsErrorCode;
  readonly reason: string;
  /** HTTP status of the token endpoint's answer, when there was one. */
  readonly status: number | undefined;
  /** The OAuth `error` (ERR_TOKEN_ENDPOINT_REJECTED), e.g. `invalid_client`. */
  readonly oauthError: string | undefined;
  /** When a retry may succeed (throttled, or a failure the caller caches). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ClientCredentialsErrorCode,
    reason: string,
    details: { status?: number; oauthError?: string; retryAfterSeconds?: number } = {},
  ) {
    super(`${code}: ${reason}`);
    this.code = code;
    this.reason = reason;
    this.status = details.status;
    this.oauthError = details.oauthError;
    this.retryAfterSeconds = details.retryAfterSeconds;
  }
}

/** Options of {@link createClientCredentials}. */
export interface ClientCredentialsOptions {
  /** The token endpoint, e.g. `https://tenant.us.auth0.com/oauth/token`; `http://` only for loopback. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Requested scopes, sent space-separated; default none (Auth0 then grants all the client grant holds). */
  scopes?: readonly string[];
  /** Extra body parameters, e.g. `{ audience: "https://api.example.com/" }` (Auth0 requires it). */
  endpointParams?: Readonly<Record<string, string | readonly string[]>>;
  /** A token is replaced this long before it expires (at most half its lifetime); default 60. */
  refreshBeforeSeconds?: number;
  /** Timeout of one request, headers and body; default 10,000 ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Clock in milliseconds since the epoch; inject a frozen one in tests. */
  now?: () => number;
}

/** A cached client-credentials token source. */
export interface ClientCredentials {
  /** A valid access token: the cached one, or one shared request. Throws {@link ClientCredentialsError}. */
  getToken(): Promise<string>;
  /** Drops the cached token, e.g. after the upstream answered 401 to it. */
  invalidate(): void;
}

const RESERVED_PARAMS = new Set(["grant_type", "client_id", "client_secret", "scope"]);
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().refine((type) => type.toLowerCase() === "bearer", "not a Bearer token"),
  expires_in: z.number().positive().optional(),
});
const errorResponse = z.object({ error: z.string().min(1), error_description: z.string().optional() });

/**
 * Gets access tokens with the OAuth 2.0 client credentials grant (RFC 6749 §4.4) and caches them, like
 * KrakenD's `auth/client-credentials`: for calling an upstream API that is protected by the same kind of
 * tokens this API accepts. Credentials go in the form body (`client_secret_post`), as Auth0 expects.
 *
 * - Cached until `expires_in` minus `refreshBeforeSeconds`, counted from when the request was sent; a
 *   response without `expires_in` serves the callers that waited for it and is not cached.
 * - Concurrent callers share one request in flight; a failure is never cached, so the next call retries.
 * - Only one token per instance: create one per (client, audience, scopes) and keep it.
 *
 * @example
 *   const upstream = createClientCredentials({
 *     tokenUrl: "https://tenant.us.auth0.com/oauth/token",
 *     clientId: config.upstream.clientId,
 *     clientSecret: config.upstream.clientSecret,
 *     endpointParams: { audience: "https://inventory.example.com/" },
 *     scopes: ["read:stock"],
 *   });
 *   const response = await fetch(url, { headers: { authorization: `Bearer ${await upstream.getToken()}` } });
 *   if (response.status === 401) upstream.invalidate();
 */
export function createClientCredentials(options: ClientCredentialsOptions): ClientCredentials {
  const tokenUrl = checkTokenUrl(options.tokenUrl);
  const body = requestBody(options);
  const now = options.now ?? Date.now;
  // Looked up per call, so that a fetch replaced after start-up (instrumentation, tests) is used.
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const refreshBeforeMs = (options.refreshBeforeSeconds ?? 60) * 1000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const secret = options.clientSecret;
  let cached: { token: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  return {
    getToken() {
      if (cached && now() < cached.refreshAt) return Promise.resolve(cached.token);
      inFlight ??= requestToken().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    invalidate() {
      cached = undefined;
    },
  };

  async function requestToken(): Promise<string> {
    const sentAt = now();
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body,
        // A redirect would carry the secret in the body to wherever it points (307/308 keep the body).
        redirect: "manual",
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      if (error instanceof ClientCredentialsError) throw error;
      const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new ClientCredentialsError(
        "ERR_TOKEN_ENDPOINT_UNREACHABLE",
        `POST ${tokenUrl} failed (${cause})`,
      );
    }

    const json = parseJson(text);
    if (!response.ok) {
      const oauth = errorResponse.safeParse(json);
      if (oauth.success && response.status >= 400 && response.status < 500 && response.status !== 429) {
        const said = oauth.data.error_description ? ` (${oauth.data.error_description})` : "";
        throw new ClientCredentialsError(
          "ERR_TOKEN_ENDPOINT_REJECTED",
          redact(`${tokenUrl} answered ${response.status} ${oauth.data.error}${said}`),
          { status: response.status, oauthError: oauth.data.error },
        );
      }
      throw new ClientCredentialsError(
        "ERR_TOKEN_ENDPOINT_FAILED",
        `${tokenUrl} answered ${response.status}`,
        {
          status: response.status,
        },
      );
    }
    const parsed = tokenResponse.safeParse(json);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((issue) => issue.path.join(".") || "body").join(", ");
      throw new ClientCredentialsError(
        "ERR_TOKEN_RESPONSE_INVALID",
        `${tokenUrl} answered ${response.status} without a valid bearer token response (${fields})`,
        { status: response.status },
      );
    }
    const { access_token: token, expires_in: expiresIn } = parsed.data;
    if (expiresIn !== undefined) {
      const lifetimeMs = expiresIn * 1000;
      cached = { token, refreshAt: sentAt + lifetimeMs - Math.min(refreshBeforeMs, lifetimeMs / 2) };
    }
    return token;
  }

  function redact(text: string): string {
    return secret.length >= 4 ? text.replaceAll(secret, "[redacted]") : text;
  }
}

function checkTokenUrl(value: string): string {
  const url = new URL(value);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) {
    throw new TypeError("tokenUrl must be https:// (http:// only for localhost): the client secret is sent");
  }
  return url.href;
}

function requestBody(options: ClientCredentialsOptions): string {
  const body = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: options.clientId,
    client_secret: options.clientSecret,
  });
  if (options.scopes && options.scopes.length > 0) body.set("scope", options.scopes.join(" "));
  for (const [name, value] of Object.entries(options.endpointParams ?? {})) {
    if (RESERVED_PARAMS.has(name)) throw new TypeError(`endpointParams cannot set ${name}`);
    for (const item of typeof value === "string" ? [value] : value) body.append(name, item);
  }
  return body.toString();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
