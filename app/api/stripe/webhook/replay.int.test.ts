/**
 * Stripe does not promise order or single delivery. A recorded history of 200+ sandbox events, applied
 * in order to one database and shuffled with duplicates to another, must leave both in the same state,
 * and that state must match Stripe's.
 */
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createStripeSandbox, type StripeSandbox } from "@tollgate/stripe-sandbox";
import { sdkFor } from "@tollgate/stripe-sandbox/testing";
import { ensureStripeCustomer } from "@/lib/billing/ensure-stripe-customer";
import { PLANS } from "@/lib/billing/plans";
import { setupStripeProducts } from "@/lib/billing/setup-stripe-products";
import { instanceCacheKey } from "@/lib/cache/instance-cache";
import { LOCAL } from "@/lib/config/local-defaults";
import type { Database } from "@/lib/db";
import { resetProcessState } from "@/lib/process-state";
import { createMigratedDatabase, type TestDatabase } from "@/test/database";
import { signedDelivery, takeNewEvents } from "@/test/fixtures";
import { setAppDatabase, startNewProcess } from "@/test/process-state";
import { priceIdFor, subscribeThroughCheckout } from "@/test/stripe-checkout";

const SECRET = LOCAL.stripeWebhookSecret;

let sandbox: StripeSandbox;
let stripe: Stripe;
let inOrder: TestDatabase & { db: Database };
let shuffled: TestDatabase & { db: Database };
let POST: (request: Request) => Promise<Response>;

beforeAll(async () => {
  [inOrder, shuffled] = await Promise.all([createMigratedDatabase(), createMigratedDatabase()]);
  sandbox = await createStripeSandbox({ port: 0, webhookSecret: SECRET });
  stripe = sdkFor(sandbox);
  await setupStripeProducts(stripe);
  startNewProcess({ STRIPE_SECRET_KEY: "", STRIPE_API_URL: sandbox.url, LOG_LEVEL: "error" });
  POST = (await import("./route")).POST;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  resetProcessState();
  await sandbox.close();
  await Promise.all([inOrder.destroy(), shuffled.destroy()]);
});

const priceId = (lookupKey: string) => priceIdFor(stripe, lookupKey);
const subscribe = (stripeCustomerId: string, plan: "pro" | "scale") =>
  subscribeThroughCheckout(stripe, stripeCustomerId, plan);

/** Posts one event to the webhook route with a valid signature, against `database`. */
async function deliver(database: Database, event: Stripe.Event): Promise<number> {
  setAppDatabase(database);
  resetProcessState(instanceCacheKey("customer-access"));
  const payload = JSON.stringify(event);
  const response = await POST(
    signedDelivery(stripe, "http://localhost:3000/api/stripe/webhook", payload, SECRET),
  );
  return response.status;
}

/** The billing state of a database, comparable across databases. */
async function billingState(database: Database) {
  const subscriptions = await database.subscription.findMany({
    orderBy: { id: "asc" },
    select: {
      id: true,
      customerId: true,
      status: true,
      plan: true,
      currentPeriodStart: true,
      currentPeriodEnd: true,
      cancelAtPeriodEnd: true,
      cancelAt: true,
    },
  });
  const entitlements = await database.entitlement.findMany({
    orderBy: [{ customerId: "asc" }, { feature: "asc" }],
    select: { customerId: true, feature: true },
  });
  return { subscriptions, entitlements };
}

/** A deterministic shuffle (a seeded LCG), so a failure can be reproduced. */
function shuffle<T>(items: T[], seed: number): T[] {
  const result = [...items];
  let state = seed;
  for (let index = result.length - 1; index > 0; index--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const other = state % (index + 1);
    [result[index], result[other]] = [result[other] as T, result[index] as T];
  }
  return result;
}

describe("a shuffled replay with duplicates", () => {
  it("ends in the same state as the in-order replay, and as Stripe", { timeout: 120_000 }, async () => {
    // A month of a small business: sign-ups, upgrades, cancellations, renewals and a failed payment.
    const subscriptions: string[] = [];
    for (let index = 0; index < 14; index++) {
      const customer = await ensureStripeCustomer(inOrder.db, stripe, {
        auth0UserId: `auth0|replay-${index}`,
        email: `replay-${index}@example.com`,
      });
      // The second database knows the same people (first sign-ins happened there too).
      await shuffled.db.customer.create({
        data: { id: customer.id, email: customer.email, stripeCustomerId: customer.stripeCustomerId },
      });
      subscriptions.push(await subscribe(customer.stripeCustomerId ?? "", index % 3 === 0 ? "scale" : "pro"));
    }
    const scale = await priceId(PLANS.scale.stripe?.flatPrice.lookupKey ?? "");
    for (const [index, id] of subscriptions.entries()) {
      if (index % 4 === 1) {
        const subscription = await stripe.subscriptions.retrieve(id);
        const flat = subscription.items.data.find((item) => item.price.recurring?.usage_type !== "metered");
        if (flat) await stripe.subscriptions.update(id, { items: [{ id: flat.id, price: scale }] });
      }
      if (index % 4 === 2) await stripe.subscriptions.update(id, { cancel_at_period_end: true });
      if (index % 4 === 3) await stripe.subscriptions.cancel(id);
    }
    await sandbox.advanceClock(32 * 86_400);
    sandbox.failNextPayment();
    await sandbox.advanceClock(32 * 86_400);

    const events = await takeNewEvents(stripe, new Set());
    expect(events.length).toBeGreaterThanOrEqual(200);

    for (const event of events) expect(await deliver(inOrder.db, event)).toBe(200);
    const replay = shuffle([...events, ...events.filter((_, index) => index % 3 === 0)], 20_261_123);
    for (const event of replay) expect(await deliver(shuffled.db, event)).toBe(200);

    const expected = await billingState(inOrder.db);
    expect(await billingState(shuffled.db)).toEqual(expected);
    // Each handled event recorded once, duplicates or not (ignored types are not recorded at all).
    expect(await shuffled.db.stripeEvent.count()).toBe(await inOrder.db.stripeEvent.count());

    // And both match Stripe itself.
    for (const stored of expected.subscriptions) {
      const live = await stripe.subscriptions.retrieve(stored.id);
      expect(stored.status).toBe(live.status);
      expect(stored.cancelAtPeriodEnd).toBe(live.cancel_at_period_end);
      expect(stored.cancelAt).toEqual(live.cancel_at === null ? null : new Date(live.cancel_at * 1000));
    }
    expect(new Set(expected.subscriptions.map((row) => row.status))).toEqual(
      new Set(["active", "canceled", "past_due"]),
    );
  });
});
