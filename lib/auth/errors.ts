/** Stable codes of lib/auth's refusals; tests and the dashboard branch on these, never on messages. */
export type AuthErrorCode =
  /** The session holds no email address, which billing needs. */
  | "ERR_SESSION_WITHOUT_EMAIL"
  /** The session's `email_verified` is not `true`: no account is opened for an unproven address. */
  | "ERR_EMAIL_NOT_VERIFIED"
  /** No verification email can be resent for this person (not a database connection user). */
  | "ERR_VERIFICATION_EMAIL_UNAVAILABLE"
  /** The session could not be refreshed to read a new `email_verified`. */
  | "ERR_SESSION_REFRESH_FAILED"
  /** The person's own API token lacks the roles GATE_REQUIRED_ROLES names (the API would refuse it). */
  | "ERR_ROLE_REQUIRED"
  /** The session has no API token the gate accepts (expired beyond refresh, other audience...). */
  | "ERR_API_TOKEN_UNAVAILABLE"
  /** The gate cannot check tokens now (signing keys unavailable); a retry later may succeed. */
  | "ERR_API_KEYS_UNAVAILABLE"
  /** Too many actions of this kind in the window; `retryAfterSeconds` says when to try again. */
  | "ERR_RATE_LIMITED"
  | "ERR_CLIENT_NOT_FOUND"
  | "ERR_TOO_MANY_CLIENTS"
  | "ERR_KEY_NOT_FOUND"
  | "ERR_TOO_MANY_KEYS"
  /** An API key asked for a scope the customer's plan does not grant. */
  | "ERR_SCOPE_NOT_IN_PLAN"
  /** Auth0's Management API refused or failed a call. */
  | "ERR_MANAGEMENT_REQUEST_FAILED"
  | "ERR_MANAGEMENT_RESPONSE_INVALID"
  /** Auth0's Management API is over its rate limit for longer than is worth waiting. */
  | "ERR_MANAGEMENT_RATE_LIMITED"
  // Teams (lib/teams): the person's role in the active team does not allow the action...
  | "ERR_PERMISSION_DENIED"
  /** ...the team is not one of theirs (switching), or they belong to no team any more. */
  | "ERR_NOT_A_MEMBER"
  /** No member of the acting team has this id (another team's member looks the same). */
  | "ERR_MEMBER_NOT_FOUND"
  /** The change would leave the team without an owner. */
  | "ERR_LAST_OWNER"
  | "ERR_ALREADY_A_MEMBER"
  | "ERR_TOO_MANY_INVITATIONS"
  /** No invitation has this link's token, or (for revoke and resend) the acting team has none with this id. */
  | "ERR_INVITATION_NOT_FOUND"
  | "ERR_INVITATION_EXPIRED"
  | "ERR_INVITATION_REVOKED"
  | "ERR_INVITATION_USED"
  /** The signed-in person's verified email is not the one invited. */
  | "ERR_INVITATION_WRONG_EMAIL";

/**
 * The base class of lib/auth's errors: a stable `code`, a `message` that says what to do (safe to show
 * the person: never a token or secret) and, for refusals that pass, when to try again.
 */
export class AuthError extends Error {
  override name = "AuthError";
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** The identity provider returned no email address, which billing needs. */
export class MissingEmailError extends AuthError {
  override name = "MissingEmailError";
  constructor() {
    super(
      "ERR_SESSION_WITHOUT_EMAIL",
      "Your sign-in did not include an email address. Sign in with an account that has one.",
    );
  }
}

/**
 * The session's email address is not verified. Nothing was written: anyone can sign up with someone
 * else's address, and the account (unique per email) and Stripe customer would then be theirs.
 */
export class EmailNotVerifiedError extends AuthError {
  override name = "EmailNotVerifiedError";
  constructor(readonly email: string) {
    super("ERR_EMAIL_NOT_VERIFIED", `Verify ${email} to open your account: follow the link we emailed you.`);
  }
}

/** "12 s", "3 min": how long to wait, for messages. */
export function waitInWords(seconds: number): string {
  const whole = Math.max(1, Math.ceil(seconds));
  return whole < 120 ? `${whole} s` : `${Math.ceil(whole / 60)} min`;
}
