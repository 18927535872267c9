import "server-only";
import type { SessionData } from "@auth0/nextjs-auth0/types";
import { redirect } from "next/navigation";
import { cache } from "react";
import { getStripe } from "@/lib/billing/stripe";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";
import { getAuth0 } from "./auth0";
import { AuthError, EmailNotVerifiedError } from "./errors";
import { getManagementApi } from "./management";
import { openAccount, type Account } from "./open-account";
import { signInUrl } from "./return-to";

export type { Account } from "./open-account";
export { MissingEmailError } from "./errors";

/** Where a person whose email is not verified is sent: it says so, and offers a new link. */
export const VERIFY_EMAIL_PATH = "/verify-email";

/** The current session, or null when signed out (deduplicated per request). */
export const getSession = cache(async () => getAuth0().getSession());

/** The current session; signed out: redirects to sign-in, coming back to the dashboard. */
export async function requireSession(): Promise<SessionData> {
  const session = await getSession();
  // proxy.ts already sent signed-out visitors to sign-in with their exact path; this is the backstop.
  if (!session) redirect(signInUrl("/dashboard"));
  return session;
}

/**
 * The signed-in person's account, creating their customer and Stripe customer on first use
 * (`openAccount`). Signed out: redirects to sign-in. Email not verified: redirects to
 * {@link VERIFY_EMAIL_PATH}, having written nothing.
 *
 * @throws {EmailTakenError} when the email belongs to another account.
 */
export const requireAccount = cache(async (): Promise<Account> => {
  const session = await requireSession();
  try {
    return await openAccount(session.user, {
      db: getDb(),
      stripe: getStripe(),
      management: getManagementApi(),
    });
  } catch (error) {
    if (error instanceof EmailNotVerifiedError) redirect(VERIFY_EMAIL_PATH);
    throw error;
  }
});

/**
 * The signed-in person's access token for the API, refreshed when stale.
 *
 * @throws {AuthError} ERR_API_TOKEN_UNAVAILABLE when the session has none and cannot get one.
 */
export async function sessionAccessToken(): Promise<string> {
  try {
    return (await getAuth0().getAccessToken()).token;
  } catch (error) {
    log.warn("auth.token_unavailable", { error: String(error) });
    throw new AuthError(
      "ERR_API_TOKEN_UNAVAILABLE",
      "Your session has no API token. Sign out and sign in again.",
    );
  }
}
