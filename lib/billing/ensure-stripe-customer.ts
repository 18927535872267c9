import "server-only";
import { createHash } from "node:crypto";
import type Stripe from "stripe";
import type { Database } from "@/lib/db";
import type { Customer } from "@/lib/generated/prisma/client";
import { BillingError, EmailTakenError } from "./errors";

export interface SignedInUser {
  /** Auth0's `sub`, e.g. "auth0|64f1...". */
  auth0UserId: string;
  email: string;
  name?: string | null;
}

/** The Stripe customer metadata key that names the Auth0 user owning it. */
export const AUTH0_USER_METADATA_KEY = "auth0_user_id";

/**
 * Makes sure a signed-in user has exactly one Stripe customer and a local customer row linked to it;
 * returns the row. Call it at every sign-in: after the first it is one indexed read.
 *
 * - Concurrent first logins create one Stripe customer: the create carries an idempotency key derived
 *   from the Auth0 user id, and the rows are inserted with ON CONFLICT DO NOTHING on unique columns.
 * - Emails are unique: when the email belongs to another user here or to a Stripe customer whose
 *   `metadata.auth0_user_id` is someone else, it throws `EmailTakenError` before writing anything.
 *
 * Opening an account (lib/auth/open-account.ts) then writes `stripe_customer_id` to the user's Auth0
 * `app_metadata`.
 */
export async function ensureStripeCustomer(
  db: Database,
  stripe: Stripe,
  user: SignedInUser,
): Promise<Customer> {
  const email = user.email.trim().toLowerCase();
  const existing = await db.user.findUnique({
    where: { auth0UserId: user.auth0UserId },
    include: { customer: true },
  });
  if (existing?.customer.stripeCustomerId) return existing.customer;

  const sameEmail = await db.user.findUnique({ where: { email }, select: { auth0UserId: true } });
  if (sameEmail && sameEmail.auth0UserId !== user.auth0UserId) throw new EmailTakenError();

  const stripeCustomer = await findOrCreateStripeCustomer(stripe, { ...user, email });
  return linkCustomer(db, { ...user, email }, stripeCustomer.id, existing?.customerId);
}

async function findOrCreateStripeCustomer(stripe: Stripe, user: SignedInUser): Promise<Stripe.Customer> {
  const { data } = await stripe.customers.list({ email: user.email, limit: 10 });
  const ours = data.find((customer) => customer.metadata[AUTH0_USER_METADATA_KEY] === user.auth0UserId);
  if (ours) return ours;
  if (data.length > 0) throw new EmailTakenError();
  return stripe.customers.create(
    {
      email: user.email,
      ...(user.name ? { name: user.name } : {}),
      metadata: { [AUTH0_USER_METADATA_KEY]: user.auth0UserId },
    },
    // Stripe keeps idempotency keys for 24 hours; later calls find the customer by email above.
    { idempotencyKey: customerIdempotencyKey(user.auth0UserId) },
  );
}

/** The idempotency key of a user's customer creation: the same for every attempt of that user. */
export function customerIdempotencyKey(auth0UserId: string): string {
  return `tollgate-customer-${createHash("sha256").update(auth0UserId).digest("hex").slice(0, 40)}`;
}

async function linkCustomer(
  db: Database,
  user: SignedInUser,
  stripeCustomerId: string,
  existingCustomerId: string | undefined,
): Promise<Customer> {
  return db.$transaction(async (tx) => {
    if (existingCustomerId) {
      // A user row made without Stripe (e.g. seeded): link its customer unless someone else did.
      await tx.customer.updateMany({
        where: { id: existingCustomerId, stripeCustomerId: null },
        data: { stripeCustomerId },
      });
    } else {
      await tx.customer.createMany({ data: [{ email: user.email, stripeCustomerId }], skipDuplicates: true });
      // A row with this email but no Stripe customer yet (e.g. made for a machine client) is adopted.
      await tx.customer.updateMany({
        where: { email: user.email, stripeCustomerId: null },
        data: { stripeCustomerId },
      });
    }
    const customer = existingCustomerId
      ? await tx.customer.findUnique({ where: { id: existingCustomerId } })
      : await tx.customer.findUnique({ where: { stripeCustomerId } });
    if (!customer || customer.stripeCustomerId !== stripeCustomerId) {
      // The email's customer row is linked to another Stripe customer (or none matched): refuse.
      throw new BillingError(
        "ERR_CUSTOMER_LINK_CONFLICT",
        "This account is linked to another Stripe customer. Contact support to merge them.",
      );
    }
    await tx.user.createMany({
      data: [
        {
          auth0UserId: user.auth0UserId,
          email: user.email,
          name: user.name ?? null,
          customerId: customer.id,
        },
      ],
      skipDuplicates: true,
    });
    const linked = await tx.user.findUnique({ where: { auth0UserId: user.auth0UserId } });
    if (linked?.customerId !== customer.id) throw new EmailTakenError();
    // A new account is a team of one: its person owns it.
    await tx.membership.createMany({
      data: [{ userId: linked.id, customerId: customer.id, role: "owner" }],
      skipDuplicates: true,
    });
    return customer;
  });
}
