import { afterEach, beforeEach, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { LOCAL_STRIPE } from "./constants";
import { createMeter, createPlan, payCheckout, startSandboxWithReceiver } from "./testing";

type Harness = Awaited<ReturnType<typeof startSandboxWithReceiver>>;
let harness: Harness;
let plan: Awaited<ReturnType<typeof createPlan>>;

/** Verifies every received webhook with the SDK, as the app's route does. */
function verifiedEvents(): Stripe.Event[] {
  return harness.receiver.received.map((hook) =>
    harness.stripe.webhooks.constructEvent(hook.rawBody, hook.signature, LOCAL_STRIPE.testWebhookSecret),
  );
}

async function subscribe(
  email: string,
): Promise<{ customer: Stripe.Customer; subscription: Stripe.Subscription }> {
  const { stripe } = harness;
  const customer = await stripe.customers.create({ email, metadata: { auth0_user_id: `auth0|${email}` } });
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: plan.flat.id, quantity: 1 }, { price: plan.metered.id }],
    success_url: "http://localhost:3000/billing?session={CHECKOUT_SESSION_ID}",
    cancel_url: "http://localhost:3000/billing",
    client_reference_id: "user-1",
    metadata: { plan: "pro" },
  });
  const { location } = await payCheckout(session.url ?? "");
  expect(location).toBe(`http://localhost:3000/billing?session=${session.id}`);
  const [subscription] = (await stripe.subscriptions.list({ customer: customer.id })).data;
  if (!subscription) throw new Error("checkout made no subscription");
  return { customer, subscription };
}

beforeEach(async () => {
  harness = await startSandboxWithReceiver();
  const meter = await createMeter(harness.stripe, "calls");
  const feature = await harness.stripe.entitlements.features.create({
    name: "Write",
    lookup_key: "write:things",
  });
  plan = await createPlan(harness.stripe, {
    name: "Pro",
    key: "pro",
    monthly: 2000,
    perUnitDecimal: "0.5",
    meter,
    features: [feature],
  });
});
afterEach(() => harness.close());

describe("checkout", () => {
  it("subscribes through the hosted page and delivers verifiable webhooks", async () => {
    const { stripe, sandbox } = harness;
    const start = sandbox.now();
    const { customer, subscription } = await subscribe("ada@example.com");
    expect(subscription).toMatchObject({
      status: "active",
      customer: customer.id,
      cancel_at_period_end: false,
    });
    const [flatItem, meteredItem] = subscription.items.data;
    expect(flatItem?.price.id).toBe(plan.flat.id);
    expect(flatItem?.quantity).toBe(1);
    expect(meteredItem?.quantity).toBeUndefined();
    expect(flatItem?.current_period_start).toBeGreaterThanOrEqual(start);
    const periodEnd = new Date((flatItem?.current_period_start ?? 0) * 1000);
    periodEnd.setUTCMonth(periodEnd.getUTCMonth() + 1);
    expect(flatItem?.current_period_end).toBeLessThanOrEqual(periodEnd.getTime() / 1000);
    expect(flatItem?.current_period_end).toBeGreaterThan(start + 27 * 86_400);

    const [invoice] = (await stripe.invoices.list({ customer: customer.id })).data;
    expect(invoice).toMatchObject({
      id: subscription.latest_invoice,
      status: "paid",
      amount_paid: 2000,
      billing_reason: "subscription_create",
    });
    expect(invoice?.parent?.subscription_details?.subscription).toBe(subscription.id);

    await sandbox.webhooksIdle();
    const events = verifiedEvents();
    const types = events.map((event) => event.type);
    expect(types).toEqual(
      expect.arrayContaining([
        "checkout.session.completed",
        "customer.subscription.created",
        "invoice.paid",
        "entitlements.active_entitlement_summary.updated",
      ]),
    );
    const completed = events.find((event) => event.type === "checkout.session.completed");
    expect(completed?.data.object).toMatchObject({
      client_reference_id: "user-1",
      subscription: subscription.id,
      status: "complete",
    });
    expect(completed?.api_version).toBe(Stripe.API_VERSION);
    const summary = events.find((event) => event.type === "entitlements.active_entitlement_summary.updated");
    expect(summary?.data.object).toMatchObject({
      customer: customer.id,
      entitlements: { data: [{ lookup_key: "write:things" }], has_more: false },
    });
    // The app lists events to replay them: the same event lists by type.
    const listed = await stripe.events.list({ type: "checkout.session.completed" });
    expect(listed.data.map((event) => event.id)).toContain(completed?.id);
  });

  it("refuses a quantity on a metered line and shows a cancel link", async () => {
    const { stripe } = harness;
    await expect(
      stripe.checkout.sessions.create({
        mode: "subscription",
        line_items: [{ price: plan.metered.id, quantity: 1 }],
        success_url: "http://localhost:3000/ok",
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: "line_items[0][quantity]" });
    const session = await stripe.checkout.sessions.create({
      mode: "subscription",
      customer_email: "new@example.com",
      line_items: [{ price: plan.flat.id, quantity: 1 }],
      success_url: "http://localhost:3000/ok",
      cancel_url: "http://localhost:3000/cancelled",
    });
    const page = await (await fetch(session.url ?? "")).text();
    expect(page).toContain("Pay and subscribe");
    expect(page).toContain('href="http://localhost:3000/cancelled"');
    await payCheckout(session.url ?? "", { email: "new@example.com" });
    const [customer] = (await stripe.customers.list({ email: "new@example.com" })).data;
    expect(customer?.id).toMatch(/^cus_/);
    expect((await stripe.subscriptions.list({ customer: customer?.id })).data).toHaveLength(1);
  });
});

describe("lifecycle", () => {
  it("cancels at period end through the portal, then ends when the clock passes it", async () => {
    const { stripe, sandbox } = harness;
    const { customer, subscription } = await subscribe("carol@example.com");
    const portal = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: "http://localhost:3000/billing",
    });
    const page = await (await fetch(portal.url)).text();
    expect(page).toContain("Cancel at period end");
    expect(page).toContain('href="http://localhost:3000/billing"');
    const action = new RegExp(`action="([^"]*/subscriptions/${subscription.id}/cancel_at_period_end)"`).exec(
      page,
    )?.[1];
    const posted = await fetch(new URL(action ?? "", portal.url), { method: "POST", redirect: "manual" });
    expect(posted.status).toBe(303);

    const pending = await stripe.subscriptions.retrieve(subscription.id);
    expect(pending).toMatchObject({ status: "active", cancel_at_period_end: true });
    const end = pending.items.data[0]?.current_period_end ?? 0;
    expect(pending.cancel_at).toBe(end);

    await sandbox.advanceClock(end - sandbox.now() + 60);
    const ended = await stripe.subscriptions.retrieve(subscription.id);
    expect(ended).toMatchObject({ status: "canceled", ended_at: end });
    await sandbox.webhooksIdle();
    const deleted = verifiedEvents().find((event) => event.type === "customer.subscription.deleted");
    expect(deleted?.data.object).toMatchObject({ id: subscription.id, status: "canceled" });
    expect(deleted?.created).toBe(end);
    const entitlements = await stripe.entitlements.activeEntitlements.list({ customer: customer.id });
    expect(entitlements.data).toHaveLength(0);
  });

  it("schedules the end with cancel_at, unsets it with '', and ends when the clock passes it", async () => {
    const { stripe, sandbox } = harness;
    const { customer, subscription } = await subscribe("gil@example.com");
    const end = subscription.items.data[0]?.current_period_end ?? 0;
    const cancelAt = end - 7 * 86_400;

    const scheduled = await stripe.subscriptions.update(subscription.id, { cancel_at: cancelAt });
    expect(scheduled).toMatchObject({
      status: "active",
      cancel_at: cancelAt,
      cancel_at_period_end: false,
      cancellation_details: { reason: "cancellation_requested" },
    });
    expect(scheduled.canceled_at).toBeGreaterThanOrEqual(subscription.created);
    const unset = await stripe.subscriptions.update(subscription.id, { cancel_at: "" });
    expect(unset).toMatchObject({
      status: "active",
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      cancellation_details: { reason: null },
    });
    await expect(
      stripe.subscriptions.update(subscription.id, { cancel_at: sandbox.now() - 1 }),
    ).rejects.toMatchObject({ statusCode: 400, param: "cancel_at" });
    await expect(
      stripe.subscriptions.update(subscription.id, { cancel_at: "max_period_end" }),
    ).rejects.toMatchObject({ statusCode: 400, param: "cancel_at" });
    // At the period's end, cancel_at is what cancel_at_period_end sets.
    const atPeriodEnd = await stripe.subscriptions.update(subscription.id, { cancel_at: end });
    expect(atPeriodEnd).toMatchObject({ cancel_at: end, cancel_at_period_end: true });

    await stripe.subscriptions.update(subscription.id, { cancel_at: cancelAt });
    await sandbox.advanceClock(cancelAt - sandbox.now() - 60);
    expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe("active");
    await sandbox.advanceClock(120);
    const ended = await stripe.subscriptions.retrieve(subscription.id);
    expect(ended).toMatchObject({ status: "canceled", ended_at: cancelAt, cancel_at: cancelAt });
    await sandbox.webhooksIdle();
    const deleted = verifiedEvents().find((event) => event.type === "customer.subscription.deleted");
    expect(deleted?.data.object).toMatchObject({ id: subscription.id, status: "canceled" });
    expect(deleted?.created).toBe(cancelAt);
    const entitlements = await stripe.entitlements.activeEntitlements.list({ customer: customer.id });
    expect(entitlements.data).toHaveLength(0);
  });

  it("schedules cancel_at in a later period: renews until then, then ends", async () => {
    const { stripe, sandbox } = harness;
    const { subscription } = await subscribe("hal@example.com");
    const cancelAt = sandbox.now() + 45 * 86_400;
    const created = await stripe.subscriptions.update(subscription.id, { cancel_at: cancelAt });
    expect(created).toMatchObject({ status: "active", cancel_at: cancelAt, cancel_at_period_end: false });
    const end = created.items.data[0]?.current_period_end ?? 0;
    expect(end).toBeLessThan(cancelAt);

    await sandbox.advanceClock(end - sandbox.now() + 60);
    const renewed = await stripe.subscriptions.retrieve(created.id);
    expect(renewed).toMatchObject({ status: "active", cancel_at: cancelAt });
    expect(renewed.items.data[0]?.current_period_start).toBe(end);
    await sandbox.advanceClock(cancelAt - sandbox.now() + 60);
    expect(await stripe.subscriptions.retrieve(created.id)).toMatchObject({
      status: "canceled",
      ended_at: cancelAt,
    });
  });

  it("renews monthly, billing the period's metered usage, and goes past_due when a payment fails", async () => {
    const { stripe, sandbox } = harness;
    const { customer, subscription } = await subscribe("dan@example.com");
    for (let i = 0; i < 4; i++) {
      await stripe.billing.meterEvents.create({
        event_name: "calls",
        payload: { stripe_customer_id: customer.id, value: "10" },
      });
    }
    const preview = await stripe.invoices.createPreview({ subscription: subscription.id });
    expect(preview.total).toBe(2000 + 20); // next month's fee + 40 calls × $0.005
    const end = subscription.items.data[0]?.current_period_end ?? 0;

    await sandbox.advanceClock(end - sandbox.now() + 1);
    const renewed = await stripe.subscriptions.retrieve(subscription.id, { expand: ["latest_invoice"] });
    expect(renewed.status).toBe("active");
    expect(renewed.items.data[0]?.current_period_start).toBe(end);
    const cycle = renewed.latest_invoice as Stripe.Invoice;
    expect(cycle).toMatchObject({ billing_reason: "subscription_cycle", status: "paid", total: 2020 });
    const usageLine = cycle.lines.data.find((line) => line.pricing?.price_details?.price === plan.metered.id);
    expect(usageLine).toMatchObject({ quantity: 40, amount: 20 });

    sandbox.failNextPayment();
    const nextEnd = renewed.items.data[0]?.current_period_end ?? 0;
    await sandbox.advanceClock(nextEnd - sandbox.now() + 1);
    const failed = await stripe.subscriptions.retrieve(subscription.id, { expand: ["latest_invoice"] });
    expect(failed.status).toBe("past_due");
    expect((failed.latest_invoice as Stripe.Invoice).status).toBe("open");
    await sandbox.webhooksIdle();
    const events = verifiedEvents();
    expect(events.some((event) => event.type === "invoice.payment_failed")).toBe(true);
    const update = events.filter((event) => event.type === "customer.subscription.updated").at(-1);
    expect(update?.data.object).toMatchObject({ status: "past_due" });
    expect(update?.data.previous_attributes).toMatchObject({ status: "active" });
  });

  it("cancels now (DELETE) and lists canceled subscriptions only with status", async () => {
    const { stripe } = harness;
    const { customer, subscription } = await subscribe("eve@example.com");
    const canceled = await stripe.subscriptions.cancel(subscription.id);
    expect(canceled.status).toBe("canceled");
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(0);
    expect(
      (await stripe.subscriptions.list({ customer: customer.id, status: "canceled" })).data,
    ).toHaveLength(1);
    await expect(
      stripe.subscriptions.update(subscription.id, { cancel_at_period_end: true }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it("switches plans by updating items", async () => {
    const { stripe, sandbox } = harness;
    const { subscription } = await subscribe("fay@example.com");
    const bigger = await stripe.prices.create({
      product: plan.product.id,
      currency: "usd",
      unit_amount: 9900,
      recurring: { interval: "month" },
    });
    const flatItem = subscription.items.data.find((item) => item.price.id === plan.flat.id);
    const switched = await stripe.subscriptions.update(subscription.id, {
      items: [{ id: flatItem?.id, price: bigger.id }],
      proration_behavior: "none",
    });
    expect(switched.items.data.map((item) => item.price.id)).toContain(bigger.id);
    expect(switched.items.data.map((item) => item.price.id)).not.toContain(plan.flat.id);
    await sandbox.webhooksIdle();
    const update = verifiedEvents()
      .filter((event) => event.type === "customer.subscription.updated")
      .at(-1);
    expect(update?.data.previous_attributes).toHaveProperty("items");
  });
});
