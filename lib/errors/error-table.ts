/**
 * Every problem type the app answers with (RFC 9457), by name: its HTTP status and title, stable per type.
 * Clients branch on the `type` URI (`problemType`); `inOpenApi` marks the types every operation of the
 * OpenAPI document lists among its responses.
 */
export const PROBLEM_TYPES = {
  invalid_request: { status: 400, title: "The request is malformed", inOpenApi: true },
  invalid_token: { status: 401, title: "Authentication required", inOpenApi: true },
  subscription_required: { status: 402, title: "Your plan does not include this operation", inOpenApi: true },
  insufficient_scope: { status: 403, title: "The access token lacks a required scope", inOpenApi: true },
  role_required: { status: 403, title: "The caller lacks a required role", inOpenApi: false },
  unknown_customer: { status: 403, title: "The caller is not linked to a customer", inOpenApi: false },
  cross_site_request: { status: 403, title: "Cross-site request refused", inOpenApi: false },
  not_found: { status: 404, title: "Not found", inOpenApi: true },
  method_not_allowed: { status: 405, title: "Method not allowed", inOpenApi: false },
  payload_too_large: { status: 413, title: "The request body is too large", inOpenApi: false },
  quota_exceeded: { status: 429, title: "Monthly quota used up", inOpenApi: false },
  rate_limited: { status: 429, title: "Too many requests", inOpenApi: true },
  internal_error: { status: 500, title: "Internal error", inOpenApi: false },
  service_unavailable: { status: 503, title: "Service temporarily unavailable", inOpenApi: true },
} as const satisfies Record<string, { status: number; title: string; inOpenApi: boolean }>;

/** The name of a problem type, e.g. `quota_exceeded`; also its OpenAPI response component. */
export type ProblemName = keyof typeof PROBLEM_TYPES;

/** The stable `type` URI of a problem: `https://tollgate.dev/problems/quota-exceeded`. */
export function problemType(name: ProblemName): string {
  return `https://tollgate.dev/problems/${name.replaceAll("_", "-")}`;
}

/**
 * The gate's refusals (lib/gate, `GateError`). Clients never see these codes (they see the problem type
 * and the RFC 6750 error); logs, tests and callers branch on them.
 */
export type GateErrorCode =
  /** No credentials at all, or not the Bearer scheme (401, challenge without an error code). */
  | "ERR_TOKEN_MISSING"
  /** Not `Bearer <b64token>`, not three base64url parts, or header/payload not JSON objects. */
  | "ERR_TOKEN_MALFORMED"
  /** Longer than `maxTokenBytes`; refused before any parsing or cryptography. */
  | "ERR_TOKEN_TOO_LARGE"
  | "ERR_TOKEN_INVALID_SIGNATURE"
  | "ERR_TOKEN_EXPIRED"
  /** `nbf`, or `iat`, later than now plus the clock tolerance. */
  | "ERR_TOKEN_NOT_YET_VALID"
  /** `iss`, `aud`, `typ`, a missing `exp`/`sub`, an ID-token `nonce`, a mistyped `scope`... */
  | "ERR_TOKEN_CLAIM_INVALID"
  /** `alg` outside the allow-list (this covers `none` and HS256 keyed with the RSA public key). */
  | "ERR_TOKEN_ALG_NOT_ALLOWED"
  /** No key of the issuer's JWKS matches the token's `kid`, even after a refetch. */
  | "ERR_TOKEN_KID_UNKNOWN"
  /** `crit`, or a key carried by the token itself (`jwk`, `jku`, `x5u`, `x5c`). */
  | "ERR_TOKEN_UNSUPPORTED_HEADER"
  /** `access_token` in the URL query: 400 `invalid_request` (RFC 6750 §3.1), never accepted. */
  | "ERR_TOKEN_IN_QUERY"
  /** A token from the cookie on a request another site made (`<img src>`, a form): a CSRF attempt. */
  | "ERR_COOKIE_CROSS_SITE"
  | "ERR_INSUFFICIENT_SCOPE"
  | "ERR_ROLE_REQUIRED"
  /** The issuer's JWKS cannot be fetched and no cached keys are young enough: fail closed (503). */
  | "ERR_JWKS_UNAVAILABLE"
  /** A `tg_` bearer value that is no key of this environment: malformed, unknown or revoked. */
  | "ERR_API_KEY_INVALID"
  /** An API key past its expiry. */
  | "ERR_API_KEY_EXPIRED";

/** Refusals of an API call around the gate: the catalog, Basic credentials, the customer and the plan. */
export type ApiErrorCode =
  /** No operation of the catalog at this path. */
  | "ERR_OPERATION_NOT_FOUND"
  /** The path has operations, none for this method (the answer's `Allow` lists them). */
  | "ERR_METHOD_NOT_ALLOWED"
  /** The issuer refused the client credentials of `Authorization: Basic` (GATE_BASIC_EXCHANGE). */
  | "ERR_BASIC_CREDENTIALS_REFUSED"
  | "ERR_BASIC_EXCHANGE_THROTTLED"
  /** The issuer's token endpoint did not answer an exchange of Basic credentials. */
  | "ERR_BASIC_EXCHANGE_UNAVAILABLE"
  /** A verified caller whose subject maps to no customer, or a revoked machine client. */
  | "ERR_UNKNOWN_CUSTOMER"
  /** The input fails the operation's schemas, or the handler's own checks. */
  | "ERR_INVALID_INPUT"
  /** The handler found nothing of the caller's at this address. */
  | "ERR_NOT_FOUND"
  | "ERR_SUBSCRIPTION_REQUIRED"
  | "ERR_RATE_LIMITED"
  | "ERR_QUOTA_EXCEEDED"
  /** The plan could not be read (database or rate-limit store down): refused, never served unmetered. */
  | "ERR_PLAN_UNAVAILABLE"
  | "ERR_DATABASE_UNAVAILABLE"
  /** The handler answered but its units could not be recorded, so the answer is refused. */
  | "ERR_USAGE_NOT_RECORDED"
  | "ERR_INTERNAL";

/** Refusals of the signed deliveries of Stripe (the webhook, thin events) and of the cron routes. */
export type DeliveryErrorCode =
  | "ERR_SIGNATURE_MISSING"
  /** The signature does not match the body and the signing secret, or is older than the tolerance. */
  | "ERR_SIGNATURE_INVALID"
  /** Signed, but not the kind of event this endpoint takes. */
  | "ERR_NOT_A_STRIPE_EVENT"
  | "ERR_BODY_TOO_LARGE"
  /** The event could not be applied (database or Stripe failed): a 500, so Stripe delivers it again. */
  | "ERR_EVENT_NOT_APPLIED"
  /** The route's secret is not configured. */
  | "ERR_NOT_CONFIGURED"
  /** A cron request without the `Authorization: Bearer <CRON_SECRET>` Vercel Cron sends. */
  | "ERR_CRON_UNAUTHORIZED";

/** Every way the app refuses a request; see {@link ERROR_TABLE}. */
export type ErrorCode = GateErrorCode | ApiErrorCode | DeliveryErrorCode;

/** RFC 6750 §3.1 error codes, for `WWW-Authenticate: Bearer error="..."`. */
export type BearerErrorCode = "invalid_request" | "invalid_token" | "insufficient_scope";

/**
 * The `WWW-Authenticate` of an answer (RFC 6750 §3): `Bearer` with `error` and the detail as its
 * `error_description`, or with no error at all when no credentials were sent (§3.1). With `basic`, a
 * `Basic` challenge comes first (RFC 9110 §11.6.1: one per scheme the client may retry with).
 */
export interface Challenge {
  error: BearerErrorCode | null;
  basic?: true;
}

/** How one {@link ErrorCode} is answered. */
export interface ErrorEntry {
  problem: ProblemName;
  /**
   * Public `detail`: what to do, in plain words, for every occurrence; without one, the thrower says it
   * (`TollgateError`'s `detail`). Never the precise reason, never a token: several token codes share
   * one text on purpose so that a forger learns nothing. No `"` or `\` (it may be an
   * `error_description`).
   */
  detail?: string;
  challenge?: Challenge;
}

const NOT_VERIFIABLE =
  "The access token could not be verified. Obtain a new access token from the issuer and retry.";
const INVALID_TOKEN = { problem: "invalid_token", challenge: { error: "invalid_token" } } as const;

/**
 * Every error code: its problem type (status, title), public detail and challenge, in one table. Token
 * errors answer 401 `invalid_token`; a token in the URL query answers 400 `invalid_request` (RFC 6750
 * §3.1 names 400 for a request using an unsupported method of sending the token).
 */
export const ERROR_TABLE: Readonly<Record<ErrorCode, ErrorEntry>> = {
  ERR_TOKEN_MISSING: {
    problem: "invalid_token",
    challenge: { error: null },
    detail: "Send an access token in the Authorization header: Authorization: Bearer <access token>.",
  },
  ERR_TOKEN_MALFORMED: {
    ...INVALID_TOKEN,
    detail:
      "The access token is not a well-formed JWT. Send it exactly as the issuer returned it, as Authorization: Bearer <access token>.",
  },
  ERR_TOKEN_TOO_LARGE: {
    ...INVALID_TOKEN,
    detail: "The access token is larger than this API accepts. Request a token with fewer claims.",
  },
  ERR_TOKEN_INVALID_SIGNATURE: { ...INVALID_TOKEN, detail: NOT_VERIFIABLE },
  ERR_TOKEN_EXPIRED: {
    ...INVALID_TOKEN,
    detail: "The access token has expired. Obtain a new access token and retry.",
  },
  ERR_TOKEN_NOT_YET_VALID: {
    ...INVALID_TOKEN,
    detail: "The access token is not valid yet. Check that your clock is correct, then retry.",
  },
  ERR_TOKEN_CLAIM_INVALID: {
    ...INVALID_TOKEN,
    detail:
      "The access token was not issued for this API. Request an access token (not an ID token) for this API's audience from its issuer.",
  },
  ERR_TOKEN_ALG_NOT_ALLOWED: { ...INVALID_TOKEN, detail: NOT_VERIFIABLE },
  ERR_TOKEN_KID_UNKNOWN: { ...INVALID_TOKEN, detail: NOT_VERIFIABLE },
  ERR_TOKEN_UNSUPPORTED_HEADER: { ...INVALID_TOKEN, detail: NOT_VERIFIABLE },
  ERR_TOKEN_IN_QUERY: {
    problem: "invalid_request",
    challenge: { error: "invalid_request" },
    detail:
      "Access tokens are not accepted in the URL query. Send it as Authorization: Bearer <access token>, and consider the token leaked (URLs are logged).",
  },
  ERR_COOKIE_CROSS_SITE: {
    problem: "cross_site_request",
    detail:
      "The access token came from a cookie on a request another site made. Call the API from this site, send X-Requested-With, or send the token as Authorization: Bearer <access token>.",
  },
  ERR_INSUFFICIENT_SCOPE: {
    problem: "insufficient_scope",
    challenge: { error: "insufficient_scope" },
    detail: "Use an access token or API key that grants the scopes listed in required_scopes.",
  },
  ERR_ROLE_REQUIRED: {
    problem: "role_required",
    detail:
      "Your account lacks a role this API requires. Ask an administrator to assign it, then sign in again.",
  },
  ERR_JWKS_UNAVAILABLE: {
    problem: "service_unavailable",
    detail: "The API cannot verify access tokens right now. Retry later.",
  },
  ERR_API_KEY_INVALID: {
    ...INVALID_TOKEN,
    // Unknown, revoked and malformed keys read alike: a prober learns nothing about which exist.
    detail:
      "The API key is not valid: it was revoked, or is not a key of this API. Create a key in the dashboard and send it as Authorization: Bearer <API key>.",
  },
  ERR_API_KEY_EXPIRED: {
    ...INVALID_TOKEN,
    detail: "The API key has expired. Create a new key in the dashboard.",
  },

  ERR_OPERATION_NOT_FOUND: {
    problem: "not_found",
    detail: "No API operation at this path. See /api/openapi.json.",
  },
  ERR_METHOD_NOT_ALLOWED: { problem: "method_not_allowed" },
  ERR_BASIC_CREDENTIALS_REFUSED: {
    problem: "invalid_token",
    challenge: { error: "invalid_token", basic: true },
    detail:
      "The issuer refused these client credentials. Check the client id and secret, or send an access token as Authorization: Bearer <access token>.",
  },
  ERR_BASIC_EXCHANGE_THROTTLED: {
    problem: "rate_limited",
    detail:
      "Too many client credential exchanges for this client from your address, from your address, or in all. Retry after the Retry-After delay.",
  },
  ERR_BASIC_EXCHANGE_UNAVAILABLE: {
    problem: "service_unavailable",
    detail: "The API cannot exchange client credentials with the issuer right now. Retry later.",
  },
  ERR_UNKNOWN_CUSTOMER: { problem: "unknown_customer" },
  ERR_INVALID_INPUT: { problem: "invalid_request" },
  ERR_NOT_FOUND: { problem: "not_found" },
  ERR_SUBSCRIPTION_REQUIRED: { problem: "subscription_required" },
  ERR_RATE_LIMITED: { problem: "rate_limited" },
  ERR_QUOTA_EXCEEDED: { problem: "quota_exceeded" },
  ERR_PLAN_UNAVAILABLE: {
    problem: "service_unavailable",
    detail: "The API cannot check your plan right now. Retry shortly.",
  },
  ERR_DATABASE_UNAVAILABLE: {
    problem: "service_unavailable",
    detail: "The API's database is unavailable right now. Retry shortly.",
  },
  ERR_USAGE_NOT_RECORDED: {
    problem: "service_unavailable",
    detail:
      "The API could not record this call's usage, so it is refused and not billed; any change it made stands. Retry shortly.",
  },
  ERR_INTERNAL: { problem: "internal_error" },

  ERR_SIGNATURE_MISSING: { problem: "invalid_request", detail: "Missing Stripe-Signature header." },
  ERR_SIGNATURE_INVALID: { problem: "invalid_request" },
  ERR_NOT_A_STRIPE_EVENT: { problem: "invalid_request" },
  ERR_BODY_TOO_LARGE: { problem: "payload_too_large" },
  ERR_EVENT_NOT_APPLIED: { problem: "internal_error" },
  ERR_NOT_CONFIGURED: { problem: "service_unavailable" },
  ERR_CRON_UNAUTHORIZED: {
    problem: "invalid_token",
    challenge: { error: null },
    detail: "Send Authorization: Bearer <CRON_SECRET>.",
  },
};
