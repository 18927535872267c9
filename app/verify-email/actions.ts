"use server";

import { redirect } from "next/navigation";
import { getAuth0 } from "@/lib/auth/auth0";
import { AuthError } from "@/lib/auth/errors";
import { getManagementApi } from "@/lib/auth/management";
import { isEmailVerified } from "@/lib/auth/open-account";
import { signInUrl } from "@/lib/auth/return-to";
import { noInput, validatedActionWithSession, type ActionState } from "@/lib/auth/validated-action";
import { requestVerificationEmail } from "@/lib/auth/verification-email";
import { log } from "@/lib/log";

export type VerifyEmailState = ActionState<{ status: "sent" | "unverified"; message: string }>;

// Server action – ask Auth0 to email a new verification link to the signed-in person (no account is
// opened, nothing is written but the rate limit's count)
export const resendVerificationEmailAction = validatedActionWithSession(
  noInput,
  async (_input, session): Promise<VerifyEmailState> => {
    const email = typeof session.user.email === "string" ? session.user.email : "your address";
    await requestVerificationEmail(session.user, { management: getManagementApi() });
    return { status: "sent", message: `We sent a new link to ${email}. It can take a minute to arrive.` };
  },
  { event: "auth.verification_email_failed", message: "The email could not be sent. Try again in a moment." },
);

// Server action – refresh the session, whose ID token says whether the email is verified, and open the
// dashboard when it now is
export const continueAfterVerificationAction = validatedActionWithSession(
  noInput,
  async (): Promise<VerifyEmailState> => {
    const auth0 = getAuth0();
    try {
      // A refresh gets a new ID token, whose claims replace the session's (`session.user`).
      await auth0.getAccessToken({ refresh: true });
    } catch (error) {
      log.warn("auth.session_refresh_failed", { error: String(error) });
      throw new AuthError(
        "ERR_SESSION_REFRESH_FAILED",
        "We could not check again from here. Sign in again instead.",
      );
    }
    // Read again: the cookie the refresh just set, not this request's cached session.
    const session = await auth0.getSession();
    if (!session) redirect(signInUrl("/dashboard"));
    if (isEmailVerified(session.user)) redirect("/dashboard");
    return {
      status: "unverified",
      message: "Your address is not verified yet. Open the link in the email, then choose Continue again.",
    };
  },
  {
    event: "auth.verification_check_failed",
    message: "We could not check again from here. Sign in again instead.",
  },
);
