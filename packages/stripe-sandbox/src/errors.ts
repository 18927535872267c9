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

/**
 * An API v2 error, `{ error: { type, code, message } }`. The SDK picks a class by `type` first
 * (`temporary_session_expired` is TemporarySessionExpiredError), then by status as for v1.
 */
export class StripeV2ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }

  /** A v1 error (authentication, injected faults) in v2 form, keeping the status the SDK maps. */
  static from(error: StripeApiError): StripeV2ApiError {
    return new StripeV2ApiError(error.status, error.type, error.code, error.message);
  }

  /** The JSON body Stripe sends. */
  toBody(): { error: { type: string; code?: string; message: string } } {
    return {
      error: { type: this.type, ...(this.code ? { code: this.code } : {}), message: this.message },
    };
  }
}

/** 400 for a v2 request body Stripe would refuse before processing anything. */
export function invalidV2Field(message: string): StripeV2ApiError {
  return new StripeV2ApiError(400, "invalid_request_error", "invalid_fields", message);
}
