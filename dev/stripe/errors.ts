/**
 * Stripe's error object (`{ error: { type, code, message, param } }`) and the statuses the SDK maps
 * to its error classes: 400 StripeInvalidRequestError, 401 StripeAuthenticationError, 402
 * StripeCardError, 404 invalid request (resource_missing), 409 idempotency/lock conflicts, 429 rate
 * limit, 5xx StripeAPIError (https://docs.stripe.com/api/errors).
 */

/** Stripe's error `type` values. */
export type StripeErrorType =
  "api_error" | "card_error" | "idempotency_error" | "invalid_request_error" | "rate_limit_error";

/** An error the sandbox answers with, shaped as Stripe's. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: StripeErrorType,
    message: string,
    readonly code?: string,
    readonly param?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The JSON body Stripe sends. */
  toBody(): { error: Record<string, unknown> } {
    return {
      error: {
        ...(this.code
          ? {
              code: this.code,
              doc_url: `https://stripe.com/docs/error-codes/${this.code.replace(/_/g, "-")}`,
            }
          : {}),
        message: this.message,
        ...(this.param ? { param: this.param } : {}),
        type: this.type,
        ...this.extra,
      },
    };
  }
}

/** 400 `parameter_missing`, worded as Stripe words it. */
export function missingParam(param: string): StripeApiError {
  return new StripeApiError(
    400,
    "invalid_request_error",
    `Missing required param: ${param}.`,
    "parameter_missing",
    param,
  );
}

/** 400 for a parameter with a value Stripe would refuse. */
export function invalidParam(param: string, message: string, code = "parameter_invalid"): StripeApiError {
  return new StripeApiError(400, "invalid_request_error", message, code, param);
}

/** 404 `resource_missing`: `No such customer: 'cus_x'`. */
export function noSuch(kind: string, id: string, param = "id"): StripeApiError {
  return new StripeApiError(
    404,
    "invalid_request_error",
    `No such ${kind}: '${id}'`,
    "resource_missing",
    param,
  );
}

/** 400 for a request the sandbox understands but does not implement (never silently wrong). */
export function unsupported(what: string, param?: string): StripeApiError {
  return new StripeApiError(
    400,
    "invalid_request_error",
    `${what} is not supported by the Tollgate Stripe sandbox.`,
    "parameter_invalid",
    param,
  );
}
