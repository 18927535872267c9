import "server-only";
import type Stripe from "stripe";
import { ensureStripeCustomer } from "@/lib/billing/ensure-stripe-customer";
import type { Database } from "@/lib/db";
import { log } from "@/lib/log";
import { loadActiveTeam, type TeamChoice } from "@/lib/teams/active-team";
import type { Role } from "@/lib/teams/roles";
import { EmailNotVerifiedError, MissingEmailError } from "./errors";
import type { ManagementApi } from "./management";

/** The signed-in person and the team (customer) they act for, with their role in it. */
export interface Account {
  auth0UserId: string;
  /** The person's users row. */
  userId: string;
  email: string;
  name: string | null;
  /** The active team: the customer whose plan, keys, clients and usage the person sees and acts on. */
  customerId: string;
  stripeCustomerId: string;
  teamName: string;
  /** The active team's billing email: its name while it has none of its own. */
  teamEmail: string;
  role: Role;
  /** Every team of theirs, the active one included. */
  teams: TeamChoice[];
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
 * The person's account, creating their customer (a team of one they own) and Stripe customer on first
 * use (`ensureStripeCustomer`: one indexed read after the first time), acting for their active team.
 *
 * Before anything is written the email must be verified: emails are unique, so an account opened for
 * an unproven address would lock its real owner out, and anyone could script free accounts (each a
 * Stripe customer). The ID token's claim is read as it was at sign-in: after verifying, the person
 * signs in again or refreshes the session (the /verify-email page offers both).
 *
 * @throws {MissingEmailError} the session holds no email.
 * @throws {EmailNotVerifiedError} the email is not verified; nothing was written anywhere.
 * @throws {EmailTakenError} the email belongs to another account.
 * @throws {TeamError} ERR_NOT_A_MEMBER: the person was removed from every team of theirs.
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
  // The active team may not be the person's own customer (teams), nor the one they last used (removed).
  const team = await loadActiveTeam(deps.db, sub);
  if (!team.stripeCustomerId) throw new MissingEmailError();
  return {
    auth0UserId: sub,
    userId: team.userId,
    email,
    name,
    customerId: team.customerId,
    stripeCustomerId: team.stripeCustomerId,
    teamName: team.teamName,
    teamEmail: team.teamEmail,
    role: team.role,
    teams: team.teams,
  };
}
