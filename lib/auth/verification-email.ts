import "server-only";
import { consumeRate, type RatePolicy } from "@/lib/metering/rate-limit";
import { AuthError, waitInWords } from "./errors";
import type { ManagementApi, ManagementJob } from "./management";
import { isEmailVerified, type SessionUser } from "./open-account";

/**
 * Verification emails one person may ask for per hour, on every instance. Each goes to the address the
 * session holds, which may be someone else's (that is why it is unverified): without a limit the
 * button would mail a stranger on demand, and spend the tenant's Management API budget.
 */
export const VERIFICATION_EMAIL_POLICY: RatePolicy = {
  name: "verification-email",
  points: 3,
  durationSeconds: 3600,
};

/**
 * Whether Auth0 can resend this person a verification email with `{ user_id }` alone: database
 * connection users (`auth0|...`). Social, enterprise and passwordless identities are verified by
 * their provider.
 */
export function canResendVerificationEmail(user: Pick<SessionUser, "sub">): boolean {
  return user.sub.startsWith("auth0|");
}

/**
 * Asks Auth0 to email the person a new verification link (POST /api/v2/jobs/verification-email).
 * Writes no account data: only the rate limit's count (Redis, else a `rate_limits` row).
 *
 * @returns the job, or null when the session already says the email is verified (nothing to send).
 * @throws {AuthError} ERR_VERIFICATION_EMAIL_UNAVAILABLE, ERR_RATE_LIMITED, ERR_MANAGEMENT_*.
 */
export async function requestVerificationEmail(
  user: SessionUser,
  deps: { management: ManagementApi },
): Promise<ManagementJob | null> {
  if (isEmailVerified(user)) return null;
  if (!canResendVerificationEmail(user)) {
    throw new AuthError(
      "ERR_VERIFICATION_EMAIL_UNAVAILABLE",
      "Your identity provider verifies this address: verify it there, then sign in again.",
    );
  }
  const rate = await consumeRate(VERIFICATION_EMAIL_POLICY, user.sub);
  if (!rate.allowed) {
    throw new AuthError(
      "ERR_RATE_LIMITED",
      `We have sent ${VERIFICATION_EMAIL_POLICY.points} links in the last hour. Check your inbox and spam folder, or try again in ${waitInWords(rate.resetSeconds)}.`,
      rate.resetSeconds,
    );
  }
  return deps.management.sendVerificationEmail(user.sub);
}
