import { TollgateError, type GateErrorCode } from "@/lib/errors";

export type { GateErrorCode };

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
 * A refusal of the gate: a {@link TollgateError} whose public detail always comes from the error table,
 * never from the thrower, so that forged and broken tokens read alike; `reason` is precise ("signature
 * verification failed", "unexpected aud") and stays in server logs. Neither ever contains the token.
 *
 * @example
 *   try { await gate.verify(token) } catch (error) {
 *     if (isGateError(error) && error.code === "ERR_TOKEN_EXPIRED") ...
 *   }
 */
export class GateError extends TollgateError {
  static override readonly errorName: string = "GateError";
  override name = "GateError";
  declare readonly code: GateErrorCode;
  declare readonly reason: string;
  readonly requiredRoles: readonly string[];

  constructor(code: GateErrorCode, reason: string, options: GateErrorOptions = {}) {
    super(code, {
      reason,
      requiredScopes: options.requiredScopes,
      retryAfterSeconds: options.retryAfterSeconds,
    });
    this.requiredRoles = options.requiredRoles ?? [];
  }
}

/** True when `value` is a {@link GateError}. */
export function isGateError(value: unknown): value is GateError {
  return value instanceof GateError;
}
