/**
 * A failed payment by email, end to end: the local Stripe sandbox fails a renewal, its signed
 * invoice.payment_failed is posted to the webhook route, and the team's owners and billing members
 * get one email over SMTP at the local mail catcher, however often the event comes again.
 */
import { createMailCatcher, type MailCatcher } from "@tollgate/mail-catcher";
import type Stripe from "stripe";
import { afterAll, beforeAll, expect, it } from "vitest";
import { LOCAL } from "@/lib/config/local-defaults";
import { setupStripeProducts } from "@/lib/billing/setup-stripe-products";
import { signedDelivery, startAppTestbed, takeNewEvents, type BillingTestbed } from "@/test/fixtures";
import { startNewProcess } from "@/test/process-state";
import { subscribeThroughCheckout } from "@/test/stripe-checkout";

const SECRET = LOCAL.stripeWebhookSecret;
let testbed: BillingTestbed;
let catcher: MailCatcher;
let POST: (request: Request) => Promise<Response>;

beforeAll(async () => {
  [testbed, catcher] = await Promise.all([startAppTestbed({ webhookSecret: SECRET }), createMailCatcher()]);
  await setupStripeProducts(testbed.stripe);
  startNewProcess({
    STRIPE_SECRET_KEY: "",
    STRIPE_WEBHOOK_SECRET: "",
    STRIPE_API_URL: testbed.sandbox.url,
    SMTP_URL: catcher.smtpUrl,
    EMAIL_FROM: "Tollgate Billing <billing@tollgate.local>",
    APP_BASE_URL: "https://app.example.com",
    LOG_LEVEL: "error",
  });
  POST = (await import("@/app/api/stripe/webhook/route")).POST;
});
afterAll(async () => {
  await catcher.close();
  await testbed.close();
});

const delivered = new Set<string>();
async function deliver(event: Stripe.Event): Promise<string> {
  const response = await POST(
    signedDelivery(testbed.stripe, "http://localhost:3000/api/stripe/webhook", JSON.stringify(event), SECRET),
  );
  expect(response.status).toBe(200);
  return ((await response.json()) as { outcome: string }).outcome;
}

it("mails a failed renewal once to the team's owners and billing members", async () => {
  const { database, stripe, sandbox } = testbed;
  const db = database.db;
  const team = await testbed.signUp("owner");
  await db.customer.update({ where: { id: team.id }, data: { name: "Acme <Robotics>" } });
  for (const [email, role] of [
    ["billing@example.com", "billing"],
    ["dev@example.com", "developer"],
    ["admin@example.com", "admin"],
  ] as const) {
    const user = await db.user.create({ data: { auth0UserId: `auth0|${role}`, email, customerId: team.id } });
    await db.membership.create({ data: { userId: user.id, customerId: team.id, role } });
  }
  const owner = await db.membership.findFirstOrThrow({
    where: { customerId: team.id, role: "owner" },
    include: { user: true },
  });

  const subscriptionId = await subscribeThroughCheckout(stripe, team.stripeCustomerId, "pro");
  for (const event of await takeNewEvents(stripe, delivered)) await deliver(event);
  sandbox.failNextPayment();
  const period = await db.subscription.findUniqueOrThrow({ where: { id: subscriptionId } });
  await sandbox.advanceClock(Math.ceil(period.currentPeriodEnd.getTime() / 1000) - sandbox.now() + 3600);
  const events = await takeNewEvents(stripe, delivered);
  const failed = events.find((event) => event.type === "invoice.payment_failed");
  if (failed?.type !== "invoice.payment_failed")
    throw new Error("the sandbox sent no invoice.payment_failed");
  for (const event of events) await deliver(event);

  const mail = await catcher.waitFor(
    (message) => message.headers["x-tollgate-cause"]?.startsWith("payment_failed:") ?? false,
  );
  const invoice = failed.data.object;
  expect(mail).toMatchObject({
    from: "billing@tollgate.local",
    to: ["billing@example.com", owner.user.email].sort(),
    subject: "Payment failed for Acme <Robotics>",
    headers: expect.objectContaining({ "x-tollgate-cause": `payment_failed:${invoice.id}` }),
  });
  expect(mail.text).toContain("We could not collect $29.00 for Acme <Robotics>'s Tollgate subscription.");
  expect(mail.text).toContain("Update billing details: https://app.example.com/dashboard/billing");
  expect(mail.html).toContain("Acme &lt;Robotics&gt;");

  // Stripe redelivers the same event, and sends a new one for the same invoice when its retry fails.
  expect(await deliver(failed)).toBe("duplicate");
  const retried = { ...failed, id: `${failed.id}_retry`, created: failed.created + 86_400 };
  expect(await deliver(retried)).toBe("applied");
  await expect(catcher.waitFor((message) => message.id !== mail.id, 1_500)).rejects.toThrow(
    "no matching message",
  );
  expect(catcher.messages()).toHaveLength(1);
  expect(await db.emailMessage.findMany({ select: { cause: true, sentAt: true } })).toEqual([
    { cause: `payment_failed:${invoice.id}`, sentAt: expect.any(Date) },
  ]);
});

it("records the email in the event's transaction: gone if it rolls back, sent later if the sender dies", async () => {
  const { recordPaymentFailedEmail } = await import("@/lib/email/payment-failed");
  const { sendPendingEmails } = await import("@/lib/email/send-email-once");
  const db = testbed.database.db;
  const team = await testbed.signUp("crash");
  const invoice = {
    id: "in_crash_test",
    amount_due: 2900,
    currency: "usd",
    next_payment_attempt: null,
    hosted_invoice_url: null,
  };
  const cause = `payment_failed:${invoice.id}`;

  // The event's transaction fails after the email was recorded: Stripe will redeliver, and the email
  // must not be left behind as if it were handled.
  await expect(
    db.$transaction(async (tx) => {
      expect(await recordPaymentFailedEmail(tx, team.id, invoice)).toMatchObject({ cause });
      throw new Error("the event's handler failed");
    }),
  ).rejects.toThrow("the event's handler failed");
  expect(await db.emailMessage.findUnique({ where: { cause } })).toBeNull();

  // The redelivery commits, and the process dies before it sends: the row waits for the email job.
  await db.$transaction((tx) => recordPaymentFailedEmail(tx, team.id, invoice));
  expect(await db.$transaction((tx) => recordPaymentFailedEmail(tx, team.id, invoice))).toBeNull();
  const row = await db.emailMessage.findUniqueOrThrow({ where: { cause } });
  expect(row).toMatchObject({ attempts: 1, sentAt: null, lastError: null });
  expect(await sendPendingEmails(db)).toEqual({ sent: 0, failed: 0 });
  const later = new Date(row.createdAt.getTime() + 11 * 60_000);
  expect(await sendPendingEmails(db, undefined, { now: later })).toEqual({ sent: 1, failed: 0 });
  const mail = await catcher.waitFor((message) => message.headers["x-tollgate-cause"] === cause);
  const { email } = await db.customer.findUniqueOrThrow({ where: { id: team.id } });
  expect(mail.subject).toBe(`Payment failed for ${email}`);
  expect((await db.emailMessage.findUniqueOrThrow({ where: { cause } })).sentAt).toEqual(expect.any(Date));
});
