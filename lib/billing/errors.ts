/** Stable codes of billing errors; tests and callers branch on these, never on messages. */
export type BillingErrorCode =
  | "ERR_EMAIL_BELONGS_TO_ANOTHER_USER"
  | "ERR_CUSTOMER_LINK_CONFLICT"
  | "ERR_UNKNOWN_INTERVAL"
  | "ERR_NO_ANNUAL_PRICE";

/** The base class of billing errors: `code` is stable, `message` says what to do. */
export class BillingError extends Error {
  constructor(
    readonly code: BillingErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "BillingError";
  }
}

/**
 * A sign-up's email already belongs to another user's Stripe customer (or local account). Nothing was
 * created or changed.
 */
export class EmailTakenError extends BillingError {
  constructor(
    message = "This email address is already used by another account. Sign in with that account, or use another email.",
  ) {
    super("ERR_EMAIL_BELONGS_TO_ANOTHER_USER", message);
    this.name = "EmailTakenError";
  }
}
