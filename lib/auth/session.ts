import "server-only";
import { redirect } from "next/navigation";
import { cache } from "react";
import { ensureStripeCustomer } from "@/lib/billing/ensure-stripe-customer";
import { getStripe } from "@/lib/billing/stripe";
import { getDb } from "@/lib/db";
import { getAuth0 } from "./auth0";
import { signInUrl } from "./return-to";
import { log } from "@/lib/log";
import { setStripeCustomerOnUser } from "./management";

/** The signed-in person and the customer they act for. */
export interface Account {
  auth0UserId: string;
  email: string;
  name: string | null;
  customerId: string;
  stripeCustomerId: string;
}

/** The current session, or null when signed out (deduplicated per request). */
export const getSession = cache(async () => getAuth0().getSession());

/**
 * The signed-in person's account, creating their customer and Stripe customer on first use
 * (`ensureStripeCustomer`: one indexed read after the first time). Signed out: redirects to sign-in.
 *
 * @throws {EmailTakenError} when the email belongs to another account.
 */
export const requireAccount = cache(async (): Promise<Account> => {
  const session = await getSession();
  // proxy.ts already sent signed-out visitors to sign-in with their exact path; this is the backstop.
  if (!session) redirect(signInUrl("/dashboard"));
  const { sub, email, name } = session.user;
  if (typeof email !== "string" || email === "") throw new MissingEmailError();
  const db = getDb();
  const known = await db.user.findUnique({
    where: { auth0UserId: sub },
    select: { customer: { select: { stripeCustomerId: true } } },
  });
  const customer = await ensureStripeCustomer(db, getStripe(), {
    auth0UserId: sub,
    email,
    name: typeof name === "string" ? name : null,
  });
  if (!customer.stripeCustomerId) throw new MissingEmailError();
  if (!known?.customer.stripeCustomerId) {
    // First sign-in: tell Auth0 too. Postgres is the source of truth, so a failure here is logged and
    // does not stop the person.
    await setStripeCustomerOnUser(sub, customer.stripeCustomerId).catch((error: unknown) =>
      log.error("auth.app_metadata_failed", {
        error: error instanceof Error ? error.message : String(error),
      }),
    );
  }
  return {
    auth0UserId: sub,
    email,
    name: typeof name === "string" ? name : null,
    customerId: customer.id,
    stripeCustomerId: customer.stripeCustomerId,
  };
});

/** The identity provider returned no email address, which billing needs. */
export class MissingEmailError extends Error {
  readonly code = "ERR_SESSION_WITHOUT_EMAIL";
  constructor() {
    super("Your sign-in did not include an email address. Sign in with an account that has one.");
    this.name = "MissingEmailError";
  }
}
