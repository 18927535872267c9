import type Stripe from "stripe";
import { vi } from "vitest";
import { createStripeSandbox, type StripeSandbox, type StripeSandboxOptions } from "@tollgate/stripe-sandbox";
import { createMeter, sdkFor } from "@tollgate/stripe-sandbox/testing";
import { ensureStripeCustomer } from "@/lib/billing/ensure-stripe-customer";
import type { PlanId } from "@/lib/billing/plans";
import type { Database } from "@/lib/db";
import { resetProcessState } from "@/lib/process-state";
import { createMigratedDatabase, type TestDatabase } from "./database";
import { setAppDatabase } from "./process-state";

/** The event name of the meter the reporter sends usage to in tests that make it themselves. */
export const USAGE_METER = "api_units";

/**
 * Gives a customer an active subscription row for a plan, as the Stripe webhook would store it, for
 * tests about something else than billing (the gate, the exchange) that make more calls than Free's
 * rate limit allows. Billing's own tests go through the sandbox and the webhook instead.
 */
export async function givePlan(db: Database, customerId: string, plan: PlanId): Promise<void> {
  const now = Date.now();
  await db.subscription.create({
    data: {
      id: `sub_fixture_${customerId.slice(0, 8)}_${plan}`,
      customerId,
      status: "active",
      plan,
      currentPeriodStart: new Date(now - 86_400_000),
      currentPeriodEnd: new Date(now + 29 * 86_400_000),
      stripeUpdatedAt: new Date(now),
    },
  });
}

/** A migrated test database beside a Stripe sandbox, with the official SDK pointed at the sandbox. */
export interface BillingTestbed {
  database: TestDatabase & { db: Database };
  sandbox: StripeSandbox;
  stripe: Stripe;
  /** A customer row linked to a new Stripe customer with the same email. */
  customer(email: string): Promise<{ id: string; stripeId: string }>;
  /**
   * A person's first sign-in as the app handles it (`ensureStripeCustomer`): a user, its customer and
   * Stripe customer, named `<prefix>-<n>` with n counting up.
   */
  signUp(prefix: string): Promise<{ id: string; stripeCustomerId: string }>;
  /** Closes the sandbox and destroys the database. */
  close(): Promise<void>;
}

/**
 * Starts a test database (PGlite, or PostgreSQL with DATABASE_URL) and a Stripe sandbox made with
 * `options`, for tests of billing and metering against both.
 */
export async function startBillingTestbed(options: StripeSandboxOptions = {}): Promise<BillingTestbed> {
  const [database, sandbox] = await Promise.all([
    createMigratedDatabase(),
    createStripeSandbox({ port: 0, ...options }),
  ]);
  const stripe = sdkFor(sandbox);
  let people = 0;
  return {
    database,
    sandbox,
    stripe,
    async customer(email) {
      const stripeCustomer = await stripe.customers.create({ email });
      const row = await database.db.customer.create({ data: { email, stripeCustomerId: stripeCustomer.id } });
      return { id: row.id, stripeId: stripeCustomer.id };
    },
    async signUp(prefix) {
      people += 1;
      const customer = await ensureStripeCustomer(database.db, stripe, {
        auth0UserId: `auth0|${prefix}-${people}`,
        email: `${prefix}-${people}@example.com`,
        name: `${prefix} ${people}`,
      });
      if (!customer.stripeCustomerId) throw new Error("no Stripe customer");
      return { id: customer.id, stripeCustomerId: customer.stripeCustomerId };
    },
    async close() {
      await sandbox.close();
      await database.destroy();
    },
  };
}

/**
 * A billing testbed whose database is also the app's (what `getDb()` returns), for tests that load the
 * app's route handlers or jobs; `close` also unstubs the environment and forgets the process state.
 */
export async function startAppTestbed(options: StripeSandboxOptions = {}): Promise<BillingTestbed> {
  const testbed = await startBillingTestbed(options);
  setAppDatabase(testbed.database.db);
  return {
    ...testbed,
    async close() {
      vi.unstubAllEnvs();
      resetProcessState();
      await testbed.close();
    },
  };
}

/** The meter the reporter sends usage to (`api_units`, summed), for tests that need no plans. */
export function createUsageMeter(stripe: Stripe): Promise<Stripe.Billing.Meter> {
  return createMeter(stripe, USAGE_METER);
}

/**
 * How a test signs a delivery instead: another secret or time, a header of its own (null: none), or a
 * body changed after signing.
 */
export interface Signing {
  secret?: string;
  timestamp?: number;
  header?: string | null;
  tamper?: (body: string) => string;
}

/**
 * A POST of `payload` to `url` with a `Stripe-Signature` made as Stripe makes it with `secret`, or as
 * `signing` says instead, for the webhook and event destination routes.
 */
export function signedDelivery(
  stripe: Stripe,
  url: string,
  payload: string,
  secret: string,
  signing: Signing = {},
): Request {
  const signature =
    signing.header === undefined
      ? stripe.webhooks.generateTestHeaderString({
          payload,
          secret: signing.secret ?? secret,
          ...(signing.timestamp === undefined ? {} : { timestamp: signing.timestamp }),
        })
      : signing.header;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (signature !== null) headers["stripe-signature"] = signature;
  const body = signing.tamper ? signing.tamper(payload) : payload;
  return new Request(url, { method: "POST", body, headers });
}

/** The CRON_SECRET the cron route tests configure. */
export const TEST_CRON_SECRET = "cron-secret-for-tests-0123456789";

/** A GET of a cron route (`/api/cron/usage`) as Vercel Cron sends it, with this Authorization header. */
export function cronRequest(path: string, authorization?: string): Request {
  return new Request(`http://localhost${path}`, { headers: authorization ? { authorization } : {} });
}

/**
 * The sandbox's events not in `seen`, oldest first, as Stripe would deliver them; they are added to
 * `seen`, so the next call returns only what happened since.
 */
export async function takeNewEvents(stripe: Stripe, seen: Set<string>): Promise<Stripe.Event[]> {
  const events: Stripe.Event[] = [];
  for await (const event of stripe.events.list({ limit: 100 })) if (!seen.has(event.id)) events.push(event);
  for (const event of events) seen.add(event.id);
  return events.reverse();
}
