import type { GateErrorCode } from "./errors";

/** Base of every problem `type` URI (RFC 9457 §3.1.1); the same base as `lib/api/problems.ts`. */
export const PROBLEM_TYPE_BASE = "https://tollgate.dev/problems/";

/** RFC 6750 §3.1 error codes, for `WWW-Authenticate: Bearer error="..."`. */
export type BearerErrorCode = "invalid_request" | "invalid_token" | "insufficient_scope";

/** How one {@link GateErrorCode} is answered. */
export interface GateErrorEntry {
  status: 400 | 401 | 403 | 503;
  /**
   * RFC 6750 error code, or `null`. With `challenge: true` and a null code the challenge has no `error`
   * (RFC 6750 §3.1: "no authentication information" gets no error code).
   */
  bearerError: BearerErrorCode | null;
  /** Whether the response carries `WWW-Authenticate: Bearer ...` (RFC 6750 applies). */
  challenge: boolean;
  /** Last segment of the problem `type` URI. */
  problem: string;
  /** Short public title; stable per `problem`. */
  title: string;
  /**
   * Public `detail`: what to do, in plain words. Never the precise cryptographic reason, never the
   * token; several codes share one text on purpose so that a forger learns nothing. No `"` or `\`
   * (it is also the `error_description` of the challenge).
   */
  detail: string;
}

const NOT_VERIFIABLE =
  "The access token could not be verified. Obtain a new access token from the issuer and retry.";
const AUTHENTICATION_REQUIRED = "Authentication required";

/**
 * Every gate error code: HTTP status, RFC 6750 error, problem type and public texts, in one table.
 * Token errors answer 401 `invalid_token`; a token in the URL query answers 400 `invalid_request`
 * (RFC 6750 §3.1 names 400 for a request using an unsupported method of sending the token).
 */
export const GATE_ERROR_TABLE: Readonly<Record<GateErrorCode, GateErrorEntry>> = {
  ERR_TOKEN_MISSING: {
    status: 401,
    bearerError: null,
    challenge: true,
    problem: "invalid-token",
    title: AUTHENTICATION_REQUIRED,
    detail: "Send an access token in the Authorization header: Authorization: Bearer <access token>.",
  },
  ERR_TOKEN_MALFORMED: {
    status: 401,
    bearerError: "invalid_token",
    challenge: true,
    problem: "invalid-token",
    title: AUTHENTICATION_REQUIRED,
    detail:
      "The access token is not a well-formed JWT. Send it exactly as the issuer returned it, as Authorization: Bearer <access token>.",
  },
  ERR_TOKEN_TOO_LARGE: {
    status: 401,
    bearerError: "invalid_token",
    challenge: true,
    problem: "invalid-token",
    title: AUTHENTICATION_REQUIRED,
    detail: "The access token is larger than this API accepts. Request a token with fewer claims.",
  },
  ERR_TOKEN_INVALID_SIGNATURE: {
    status: 401,
    bearerError: "invalid_token",
    challenge: true,
    problem: "invalid-token",
    title: AUTHENTICATION_REQUIRED,
    detail: NOT_VERIFIABLE,
  },
  ERR_TOKEN_EXPIRED: {
    status: 401,
    bearerError: "invalid_token",
    challenge: true,
    problem: "invalid-token",
    title: AUTHENTICATION_REQUIRED,
    detail: "The access token has expired. Obtain a new access token and retry.",
  },
  ERR_TOKEN_NOT_YET_VALID: {
    status: 401,
    bearerError: "invalid_token",
    challenge: true,
    problem: "invalid-token",
    title: AUTHENTICATION_REQUIRED,
    detail: "The access token is not valid yet. Check that your clock is correct, then retry.",
  },
  ERR_TOKEN_CLAIM_INVALID: {
    status: 401,
    bearerError: "invalid_token",
    challenge: true,
    problem: "invalid-token",
    title: AUTHENTICATION_REQUIRED,
    detail:
      "The access token was not issued for this API. Request an access token (not an ID token) for this API's audience from its issuer.",
  },
  ERR_TOKEN_ALG_NOT_ALLOWED: {
    status: 401,
    bearerError: "invalid_token",
    challenge: true,
    problem: "invalid-token",
    title: AUTHENTICATION_REQUIRED,
    detail: NOT_VERIFIABLE,
  },
  ERR_TOKEN_KID_UNKNOWN: {
    status: 401,
    bearerError: "invalid_token",
    challenge: true,
    problem: "invalid-token",
    title: AUTHENTICATION_REQUIRED,
    detail: NOT_VERIFIABLE,
  },
  ERR_TOKEN_UNSUPPORTED_HEADER: {
    status: 401,
    bearerError: "invalid_token",
    challenge: true,
    problem: "invalid-token",
    title: AUTHENTICATION_REQUIRED,
    detail: NOT_VERIFIABLE,
  },
  ERR_TOKEN_IN_QUERY: {
    status: 400,
    bearerError: "invalid_request",
    challenge: true,
    problem: "invalid-request",
    title: "The request is malformed",
    detail:
      "Access tokens are not accepted in the URL query. Send it as Authorization: Bearer <access token>, and consider the token leaked (URLs are logged).",
  },
  ERR_COOKIE_CROSS_SITE: {
    status: 403,
    bearerError: null,
    challenge: false,
    problem: "cross-site-request",
    title: "Cross-site request refused",
    detail:
      "The access token came from a cookie on a request another site made. Call the API from this site, send X-Requested-With, or send the token as Authorization: Bearer <access token>.",
  },
  ERR_INSUFFICIENT_SCOPE: {
    status: 403,
    bearerError: "insufficient_scope",
    challenge: true,
    problem: "insufficient-scope",
    title: "The access token lacks a required scope",
    detail: "Request an access token that grants the scopes listed in required_scopes.",
  },
  ERR_ROLE_REQUIRED: {
    status: 403,
    bearerError: null,
    challenge: false,
    problem: "role-required",
    title: "The caller lacks a required role",
    detail:
      "Your account lacks a role this API requires. Ask an administrator to assign it, then sign in again.",
  },
  ERR_JWKS_UNAVAILABLE: {
    status: 503,
    bearerError: null,
    challenge: false,
    problem: "service-unavailable",
    title: "Service temporarily unavailable",
    detail: "The API cannot verify access tokens right now. Retry later.",
  },
};

/** The full problem `type` URI for a short name such as `invalid-token`. */
export function problemTypeUri(problem: string): string {
  return PROBLEM_TYPE_BASE + problem;
}
