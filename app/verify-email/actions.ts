"use server";

import { redirect } from "next/navigation";
import { getAuth0 } from "@/lib/auth/auth0";
import { AuthError, type AuthErrorCode } from "@/lib/auth/errors";
import { getManagementApi } from "@/lib/auth/management";
import { isEmailVerified } from "@/lib/auth/open-account";
import { signInUrl } from "@/lib/auth/return-to";
import { requestVerificationEmail } from "@/lib/auth/verification-email";
import { log } from "@/lib/log";

export type VerifyEmailState =
  | { status: "idle" }
  | { status: "sent" | "unverified"; message: string }
  | { status: "error"; message: string; code?: AuthErrorCode };

// Server action – ask Auth0 to email a new verification link to the signed-in person (no account is
// opened, nothing is written but the rate limit's count)
export async function resendVerificationEmailAction(): Promise<VerifyEmailState> {
  const session = await getAuth0().getSession();
  if (!session) redirect(signInUrl("/dashboard"));
  const email = typeof session.user.email === "string" ? session.user.email : "your address";
  try {
    await requestVerificationEmail(session.user, { management: getManagementApi() });
    return { status: "sent", message: `We sent a new link to ${email}. It can take a minute to arrive.` };
  } catch (error) {
    if (error instanceof AuthError) return { status: "error", message: error.message, code: error.code };
    log.error("auth.verification_email_failed", { error: String(error) });
    return { status: "error", message: "The email could not be sent. Try again in a moment." };
  }
}

// Server action – refresh the session, whose ID token says whether the email is verified, and open the
// dashboard when it now is
export async function continueAfterVerificationAction(): Promise<VerifyEmailState> {
  const auth0 = getAuth0();
  try {
    // A refresh gets a new ID token, whose claims replace the session's (`session.user`).
    await auth0.getAccessToken({ refresh: true });
  } catch (error) {
    log.warn("auth.session_refresh_failed", { error: String(error) });
    return {
      status: "error",
      code: "ERR_SESSION_REFRESH_FAILED",
      message: "We could not check again from here. Sign in again instead.",
    };
  }
  // Read again: the cookie the refresh just set, not this request's cached session.
  const session = await auth0.getSession();
  if (!session) redirect(signInUrl("/dashboard"));
  if (isEmailVerified(session.user)) redirect("/dashboard");
  return {
    status: "unverified",
    message: "Your address is not verified yet. Open the link in the email, then choose Continue again.",
  };
}
