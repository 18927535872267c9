import { GATE_ERROR_TABLE } from "./error-table";

/**
 * Every way the gate can refuse a request. Stable: clients never see these codes (they see the problem
 * `type` and RFC 6750 error), but logs, metrics, tests and callers branch on them.
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
  | "ERR_JWKS_UNAVAILABLE";

/** Extra data some codes carry, for the response and the log. */
export interface GateErrorOptions {
  /** ERR_INSUFFICIENT_SCOPE: the scopes the operation requires, for `WWW-Authenticate: ... scope="..."`. */
  requiredScopes?: readonly string[];
  /** ERR_ROLE_REQUIRED: the roles the caller must hold. */
  requiredRoles?: readonly string[];
  /** ERR_JWKS_UNAVAILABLE: when a retry may succeed, for `Retry-After`. */
  retryAfterSeconds?: number;
}

/**
 * The one error class of the gate: a stable `code`, and a `reason` for the server log only.
 *
 * `message` is the code alone, so printing an error reveals nothing; `reason` is precise
 * ("signature verification failed", "unexpected aud") and must stay in server logs. Neither ever
 * contains the token.
 *
 * @example
 *   try { await gate.verify(token) } catch (error) {
 *     if (isGateError(error) && error.code === "ERR_TOKEN_EXPIRED") ...
 *   }
 */
export class GateError extends Error {
  override name = "GateError";
  readonly code: GateErrorCode;
  readonly reason: string;
  readonly requiredScopes: readonly string[];
  readonly requiredRoles: readonly string[];
  readonly retryAfterSeconds: number | undefined;

  constructor(code: GateErrorCode, reason: string, options: GateErrorOptions = {}) {
    super(code);
    this.code = code;
    this.reason = reason;
    this.requiredScopes = options.requiredScopes ?? [];
    this.requiredRoles = options.requiredRoles ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The HTTP status this error is answered with (from {@link GATE_ERROR_TABLE}). */
  get status(): number {
    return GATE_ERROR_TABLE[this.code].status;
  }

  /** Fields for a structured log line: code and precise reason, never the token. */
  toLogFields(): { code: GateErrorCode; reason: string } {
    return { code: this.code, reason: this.reason };
  }
}

/** True when `value` is a {@link GateError}. */
export function isGateError(value: unknown): value is GateError {
  return value instanceof GateError;
}
