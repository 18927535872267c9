/**
 * The Stripe webhook end to end: events made by the local Stripe sandbox (@tollgate/stripe-sandbox) through the
 * official SDK, signed with the real scheme, posted to the route handler, applied to a real database
 * (PGlite, or PostgreSQL with DATABASE_URL). The handler reads Stripe back from the same sandbox.
 */
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StripeSandbox } from "@tollgate/stripe-sandbox";
import { LOCAL } from "@/lib/config/local-defaults";
import type { Database } from "@/lib/db";
import { getCustomerAccess, mayUse, PAST_DUE_GRACE_MS } from "@/lib/billing/access-cache";
import { PLANS } from "@/lib/billing/plans";
import { setupStripeProducts } from "@/lib/billing/setup-stripe-products";
import type { Receipt } from "@/lib/billing/webhook/apply-stripe-event";
import type { TestDatabase } from "@/test/database";
import {
  signedDelivery,
  startAppTestbed,
  takeNewEvents,
  type BillingTestbed,
  type Signing,
} from "@/test/fixtures";
import { startNewProcess } from "@/test/process-state";
import { priceIdFor, subscribeThroughCheckout } from "@/test/stripe-checkout";

const SECRET = LOCAL.stripeWebhookSecret;
const URL_ = "http://localhost:3000/api/stripe/webhook";

let testbed: BillingTestbed;
let sandbox: StripeSandbox;
let stripe: Stripe;
let database: TestDatabase & { db: Database };
let POST: (request: Request) => Promise<Response>;

beforeAll(async () => {
  testbed = await startAppTestbed({ webhookSecret: SECRET });
  ({ database, sandbox, stripe } = testbed);
  await setupStripeProducts(stripe);
  startNewProcess({
    STRIPE_SECRET_KEY: "",
    STRIPE_WEBHOOK_SECRET: "",
    STRIPE_API_URL: sandbox.url,
    LOG_LEVEL: "error", // the refusals below log warnings by design
  });
  POST = (await import("./route")).POST;
});

afterAll(() => testbed.close());

const post = (event: Stripe.Event, signing: Signing = {}): Promise<Response> =>
  POST(signedDelivery(stripe, URL_, JSON.stringify(event), SECRET, signing));

async function deliver(event: Stripe.Event): Promise<Receipt> {
  const response = await post(event);
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as Receipt;
}

const delivered = new Set<string>();

/** Delivers every new sandbox event in order, like a healthy Stripe. */
async function deliverNew(): Promise<Receipt[]> {
  const receipts: Receipt[] = [];
  for (const event of await takeNewEvents(stripe, delivered)) receipts.push(await deliver(event));
  return receipts;
}

/** Marks the new events delivered without sending them; returns them for a test to send itself. */
const takeNew = () => takeNewEvents(stripe, delivered);

const newCustomer = () => testbed.signUp("webhook");

const priceId = (lookupKey: string) => priceIdFor(stripe, lookupKey);
const subscribe = (stripeCustomerId: string, plan: "pro" | "scale") =>
  subscribeThroughCheckout(stripe, stripeCustomerId, plan);

const counts = async () => ({
  events: await database.db.stripeEvent.count(),
  subscriptions: await database.db.subscription.count(),
  entitlements: await database.db.entitlement.count(),
});

describe("signature checks", () => {
  let event: Stripe.Event;
  beforeAll(async () => {
    const customer = await newCustomer();
    await subscribe(customer.stripeCustomerId, "pro");
    event = (await takeNew()).find(
      (candidate) => candidate.type === "customer.subscription.created",
    ) as Stripe.Event;
    expect(event).toBeDefined();
  });

  it.each<[string, Signing]>([
    ["a missing Stripe-Signature header", { header: null }],
    ["a signature made with another secret", { secret: "whsec_not_the_endpoint_secret" }],
    ["a stale timestamp (over 300 s old)", { timestamp: Math.floor(Date.now() / 1000) - 301 }],
    ["a tampered body", { tamper: (body) => body.replace('"active"', '"trialing"') }],
    ["a garbage header", { header: "t=1,v1=deadbeef" }],
  ])("refuses %s with a 400 problem and writes nothing", async (_name, signing) => {
    const before = await counts();
    const response = await post(event, signing);
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject({
      type: "https://tollgate.dev/problems/invalid-request",
      status: 400,
    });
    expect(await counts()).toEqual(before);
  });

  it("refuses an unsigned or oversized body before reading it, and a chunked one once it passes 1 MB", async () => {
    const before = await counts();
    let pulled = 0;
    /** A body that counts what is read of it: 64 chunks of 64 KiB (4 MiB), never ending on its own. */
    const counted = () =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled += 1;
          controller.enqueue(new Uint8Array(65_536).fill(0x20));
          if (pulled >= 64) controller.close();
        },
      });
    const send = (headers: Record<string, string>) =>
      POST(
        new Request("http://localhost/api/stripe/webhook", {
          method: "POST",
          headers,
          body: counted(),
          duplex: "half",
        } as RequestInit),
      );

    const unsigned = await send({ "content-type": "application/json" });
    expect(unsigned.status).toBe(400);
    expect(pulled).toBeLessThanOrEqual(1); // a stream may pull once as it is set up; nothing is read
    pulled = 0;
    const declared = await send({
      "stripe-signature": "t=1,v1=x",
      "content-length": String(4 * 1024 * 1024),
    });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ type: "https://tollgate.dev/problems/payload-too-large" });
    expect(pulled).toBeLessThanOrEqual(1);
    pulled = 0;
    const chunked = await send({ "stripe-signature": "t=1,v1=x" });
    expect(chunked.status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(18); // stopped just past 1 MiB, not at 4 MiB
    expect(await counts()).toEqual(before);
  });

  it("accepts the same event correctly signed", async () => {
    expect((await deliver(event)).outcome).toBe("applied");
  });
});

describe("exactly once and in order", () => {
  it("applies an event delivered three times once", async () => {
    const customer = await newCustomer();
    await subscribe(customer.stripeCustomerId, "pro");
    const created = (await takeNew()).find((event) => event.type === "customer.subscription.created");
    if (!created) throw new Error("no created event");
    const receipts = await Promise.all([deliver(created), deliver(created), deliver(created)]);
    expect(receipts.map((receipt) => receipt.outcome).sort()).toEqual(["applied", "duplicate", "duplicate"]);
    expect(await database.db.stripeEvent.count({ where: { id: created.id } })).toBe(1);
    expect(await database.db.subscription.count({ where: { customerId: customer.id } })).toBe(1);
  });

  it("ends matching Stripe when updated arrives before created", async () => {
    const customer = await newCustomer();
    const subscriptionId = await subscribe(customer.stripeCustomerId, "pro");
    await stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: true });
    const events = await takeNew();
    const updated = events.filter((event) => event.type === "customer.subscription.updated");
    const created = events.filter((event) => event.type === "customer.subscription.created");
    for (const event of [...updated.reverse(), ...created]) await deliver(event);
    const row = await database.db.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
    expect(row).toMatchObject({ status: "active", plan: "pro", cancelAtPeriodEnd: true });
  });

  it("keeps a subscription canceled when a late 'active' event arrives after 'deleted'", async () => {
    const customer = await newCustomer();
    const subscriptionId = await subscribe(customer.stripeCustomerId, "pro");
    await stripe.subscriptions.cancel(subscriptionId);
    const events = await takeNew();
    const deleted = events.find((event) => event.type === "customer.subscription.deleted");
    const created = events.find((event) => event.type === "customer.subscription.created");
    if (!deleted || !created) throw new Error("missing events");
    expect((created.data.object as Stripe.Subscription).status).toBe("active");
    await deliver(deleted);
    await deliver(created);
    const row = await database.db.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
    expect(row.status).toBe("canceled");
    expect((await stripe.subscriptions.retrieve(subscriptionId)).status).toBe("canceled");
    expect(await database.db.entitlement.count({ where: { customerId: customer.id } })).toBe(0);
  });

  it("acknowledges and ignores event types it does not handle", async () => {
    const before = await counts();
    const event = {
      ...(await stripe.events.list({ limit: 1 })).data[0],
      type: "charge.refunded",
    } as Stripe.Event;
    expect(await deliver(event)).toMatchObject({ outcome: "ignored", actions: [] });
    expect(await counts()).toEqual(before);
  });
});

describe("entitlements follow the subscription", () => {
  it("upgrade, downgrade, payment failure and cancellation", async () => {
    await deliverNew();
    const customer = await newCustomer();
    const access = () => getCustomerAccess(database.db, customer.id);

    // Free: read only.
    let now = await access();
    expect(now).toMatchObject({ plan: "free", status: "free" });
    expect([mayUse(now, "get:widgets"), mayUse(now, "create:widgets")]).toEqual([true, false]);

    // Upgrade to Pro through Checkout.
    const subscriptionId = await subscribe(customer.stripeCustomerId, "pro");
    const receipts = await deliverNew();
    expect(
      receipts.some(
        (receipt) => receipt.type === "checkout.session.completed" && receipt.outcome === "applied",
      ),
    ).toBe(true);
    now = await access();
    expect(now).toMatchObject({ plan: "pro", status: "active", subscriptionId });
    expect(mayUse(now, "create:widgets")).toBe(true);
    expect(await database.db.entitlement.count({ where: { customerId: customer.id } })).toBe(
      PLANS.pro.features.length,
    );

    // Upgrade to Scale, then downgrade back to Pro, by swapping the subscription's prices.
    const swap = async (plan: "pro" | "scale") => {
      const subscription = await stripe.subscriptions.retrieve(subscriptionId);
      const prices = PLANS[plan].stripe;
      if (!prices) throw new Error("free");
      const items = await Promise.all(
        subscription.items.data.map(async (item) => ({
          id: item.id,
          price: await priceId(
            item.price.recurring?.usage_type === "metered"
              ? prices.meteredPrice.lookupKey
              : prices.flatPrice.lookupKey,
          ),
        })),
      );
      await stripe.subscriptions.update(subscriptionId, { items });
      await deliverNew();
    };
    await swap("scale");
    expect((await access()).plan).toBe("scale");
    expect((await access()).limits).toEqual(PLANS.scale.limits);
    await swap("pro");
    expect((await access()).plan).toBe("pro");

    // A failed renewal: past_due keeps Pro during the grace period, then falls back to Free.
    // The armed failure hits the next renewal: make sure it is this customer's.
    for await (const other of stripe.subscriptions.list({ limit: 100 })) {
      if (other.id !== subscriptionId) await stripe.subscriptions.cancel(other.id);
    }
    await deliverNew();
    sandbox.failNextPayment();
    const period = await database.db.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
    await sandbox.advanceClock(Math.ceil(period.currentPeriodEnd.getTime() / 1000) - sandbox.now() + 3600);
    const failed = await deliverNew();
    expect(
      failed.some((receipt) => receipt.type === "invoice.payment_failed" && receipt.outcome === "applied"),
    ).toBe(true);
    const row = await database.db.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
    expect(row.status).toBe("past_due");
    const inGrace = await getCustomerAccess(database.db, customer.id, {
      now: new Date(row.currentPeriodStart.getTime() + 60_000),
    });
    expect(inGrace).toMatchObject({ plan: "pro", status: "past_due" });
    const afterGrace = await getCustomerAccess(database.db, customer.id, {
      now: new Date(row.currentPeriodStart.getTime() + PAST_DUE_GRACE_MS + 60_000),
    });
    expect(afterGrace.plan).toBe("free");
    expect(mayUse(afterGrace, "create:widgets")).toBe(false);

    // Cancellation: the webhook forgets the cached answer, so it changes at once.
    await stripe.subscriptions.cancel(subscriptionId);
    await deliverNew();
    now = await access();
    expect(now).toMatchObject({ plan: "free", status: "free" });
    expect(mayUse(now, "create:widgets")).toBe(false);
    expect(mayUse(now, "get:widgets")).toBe(true);
  });

  it("a scheduled end (cancel_at) is stored, cleared when unset, and ends the plan when it passes", async () => {
    const customer = await newCustomer();
    const subscriptionId = await subscribe(customer.stripeCustomerId, "pro");
    await deliverNew();
    const row = () => database.db.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
    const entitlements = () => database.db.entitlement.count({ where: { customerId: customer.id } });
    // A day before the period ends: only cancel_at says so, cancel_at_period_end stays false.
    const cancelAt = Math.floor((await row()).currentPeriodEnd.getTime() / 1000) - 86_400;

    await stripe.subscriptions.update(subscriptionId, { cancel_at: cancelAt });
    await deliverNew();
    expect(await row()).toMatchObject({
      status: "active",
      cancelAt: new Date(cancelAt * 1000),
      cancelAtPeriodEnd: false,
    });
    expect((await getCustomerAccess(database.db, customer.id)).plan).toBe("pro");

    // Stripe unsets cancel_at with an empty string.
    await stripe.subscriptions.update(subscriptionId, { cancel_at: "" });
    await deliverNew();
    expect(await row()).toMatchObject({ status: "active", cancelAt: null, cancelAtPeriodEnd: false });

    await stripe.subscriptions.update(subscriptionId, { cancel_at: cancelAt });
    await deliverNew();
    expect((await row()).cancelAt).toEqual(new Date(cancelAt * 1000));
    await sandbox.advanceClock(cancelAt - 60 - sandbox.now());
    await deliverNew();
    expect((await row()).status).toBe("active");
    expect(await entitlements()).toBe(PLANS.pro.features.length);

    await sandbox.advanceClock(120);
    const receipts = await deliverNew();
    expect(
      receipts.find(
        (receipt) => receipt.type === "customer.subscription.deleted" && receipt.outcome === "applied",
      ),
    ).toBeDefined();
    expect(await row()).toMatchObject({ status: "canceled", cancelAt: new Date(cancelAt * 1000) });
    expect(await entitlements()).toBe(0);
    const now = await getCustomerAccess(database.db, customer.id);
    expect(now).toMatchObject({ plan: "free", status: "free" });
    expect(mayUse(now, "create:widgets")).toBe(false);
  });

  it("customer.deleted unlinks the customer and ends its plan", async () => {
    const customer = await newCustomer();
    await subscribe(customer.stripeCustomerId, "pro");
    await deliverNew();
    expect((await getCustomerAccess(database.db, customer.id)).plan).toBe("pro");
    await stripe.customers.del(customer.stripeCustomerId);
    const receipts = await deliverNew();
    expect(receipts.find((receipt) => receipt.type === "customer.deleted")?.outcome).toBe("applied");
    expect(await database.db.customer.findUniqueOrThrow({ where: { id: customer.id } })).toMatchObject({
      stripeCustomerId: null,
    });
    expect((await getCustomerAccess(database.db, customer.id)).plan).toBe("free");
  });
});

describe("failures", () => {
  it("answers 500 when the database fails, records nothing, and applies the retry", async () => {
    const customer = await newCustomer();
    await subscribe(customer.stripeCustomerId, "pro");
    const event = (await takeNew()).find((candidate) => candidate.type === "customer.subscription.created");
    if (!event) throw new Error("no event");
    await database.db.$executeRawUnsafe("ALTER TABLE subscriptions RENAME TO subscriptions_away");
    try {
      const response = await post(event);
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({ type: "https://tollgate.dev/problems/internal-error" });
    } finally {
      await database.db.$executeRawUnsafe("ALTER TABLE subscriptions_away RENAME TO subscriptions");
    }
    expect(await database.db.stripeEvent.count({ where: { id: event.id } })).toBe(0);
    expect((await deliver(event)).outcome).toBe("applied");
  });
});
