import "server-only";
import type Stripe from "stripe";
import { ensureStripeCustomer } from "@/lib/billing/ensure-stripe-customer";
import type { Database } from "@/lib/db";
import { log } from "@/lib/log";
import { EmailNotVerifiedError, MissingEmailError } from "./errors";
import type { ManagementApi } from "./management";

/** The signed-in person and the customer they act for. */
export interface Account {
  auth0UserId: string;
  email: string;
  name: string | null;
  customerId: string;
  stripeCustomerId: string;
}

/** The ID token claims the session keeps (`session.user`); values are the identity provider's. */
export interface SessionUser {
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  name?: unknown;
}

/**
 * Whether the session says the email address is verified: the ID token's `email_verified` is exactly
 * `true`. Absent (sessions from providers that do not send it) or anything else is no.
 */
export function isEmailVerified(user: Pick<SessionUser, "email_verified">): boolean {
  return user.email_verified === true;
}

/**
 * The person's account, creating their customer and Stripe customer on first use
 * (`ensureStripeCustomer`: one indexed read after the first time).
 *
 * Before anything is written the email must be verified: emails are unique, so an account opened for
 * an unproven address would lock its real owner out, and anyone could script free accounts (each a
 * Stripe customer). The ID token's claim is read as it was at sign-in: after verifying, the person
 * signs in again or refreshes the session (the /verify-email page offers both).
 *
 * @throws {MissingEmailError} the session holds no email.
 * @throws {EmailNotVerifiedError} the email is not verified; nothing was written anywhere.
 * @throws {EmailTakenError} the email belongs to another account.
 */
export async function openAccount(
  user: SessionUser,
  deps: { db: Database; stripe: Stripe; management: ManagementApi },
): Promise<Account> {
  const { sub } = user;
  const email = typeof user.email === "string" ? user.email : "";
  if (email === "") throw new MissingEmailError();
  if (!isEmailVerified(user)) throw new EmailNotVerifiedError(email);
  const name = typeof user.name === "string" ? user.name : null;
  const known = await deps.db.user.findUnique({
    where: { auth0UserId: sub },
    select: { customer: { select: { stripeCustomerId: true } } },
  });
  const customer = await ensureStripeCustomer(deps.db, deps.stripe, { auth0UserId: sub, email, name });
  if (!customer.stripeCustomerId) throw new MissingEmailError();
  if (!known?.customer.stripeCustomerId) {
    // First sign-in: tell Auth0 too. Postgres is the source of truth, so a failure here is logged and
    // does not stop the person.
    await deps.management.setStripeCustomerOnUser(sub, customer.stripeCustomerId).catch((error: unknown) =>
      log.error("auth.app_metadata_failed", {
        error: error instanceof Error ? error.message : String(error),
      }),
    );
  }
  return {
    auth0UserId: sub,
    email,
    name,
    customerId: customer.id,
    stripeCustomerId: customer.stripeCustomerId,
  };
}
