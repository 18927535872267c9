import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { LOCAL_STRIPE } from "./constants";
import { createStripeSandbox } from "./create-stripe-sandbox";
import { sdkFor, startReceiver, startSandboxWithReceiver } from "./testing";
import { signPayload } from "./webhooks";

const dir = mkdtempSync(join(tmpdir(), "tollgate-stripe-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("webhooks", () => {
  it("signs exactly as Stripe does (the SDK's own test header matches)", () => {
    const stripe = new Stripe(LOCAL_STRIPE.testSecretKey);
    const payload = JSON.stringify({ id: "evt_1", object: "event" });
    const timestamp = 1_700_000_000;
    expect(signPayload(payload, LOCAL_STRIPE.testWebhookSecret, timestamp)).toBe(
      stripe.webhooks.generateTestHeaderString({
        payload,
        secret: LOCAL_STRIPE.testWebhookSecret,
        timestamp,
      }),
    );
  });

  it("retries after the receiver answers 500 twice, then delivers", async () => {
    const harness = await startSandboxWithReceiver({ receiverAnswers: [500, 500] });
    try {
      const customer = await harness.stripe.customers.create({ email: "retry@example.com" });
      await harness.sandbox.webhooksIdle();
      expect(harness.receiver.received).toHaveLength(3);
      const [first, , third] = harness.receiver.received;
      const event = harness.stripe.webhooks.constructEvent(
        third?.rawBody ?? "",
        third?.signature ?? "",
        LOCAL_STRIPE.testWebhookSecret,
      );
      expect(event).toMatchObject({ type: "customer.created", data: { object: { id: customer.id } } });
      expect(first?.rawBody).toBe(third?.rawBody);
      expect(harness.sandbox.deliveries).toMatchObject({
        attempts: 3,
        succeeded: 1,
        failed: 2,
        exhausted: 0,
        pending: 0,
      });
      expect(harness.sandbox.deliveries.log.map((entry) => entry.status)).toEqual([500, 500, 200]);
      // A tampered body fails verification with the SDK.
      expect(() =>
        harness.stripe.webhooks.constructEvent(
          (third?.rawBody ?? "").replace("retry@", "evil@"),
          third?.signature ?? "",
          LOCAL_STRIPE.testWebhookSecret,
        ),
      ).toThrow(Stripe.errors.StripeSignatureVerificationError);
    } finally {
      await harness.close();
    }
  });

  it("gives up after the last retry and keeps the event listed", async () => {
    const harness = await startSandboxWithReceiver({
      receiverAnswers: [500, 500, 500, 500, 500],
      webhookRetryDelaysMs: [5, 5],
    });
    try {
      await harness.stripe.customers.create({ email: "never@example.com" });
      await harness.sandbox.webhooksIdle();
      expect(harness.sandbox.deliveries).toMatchObject({ attempts: 3, exhausted: 1 });
      expect((await harness.stripe.events.list({ type: "customer.created" })).data).toHaveLength(1);
    } finally {
      await harness.close();
    }
  });

  it("can shuffle and duplicate deliveries for order-safety tests", async () => {
    const harness = await startSandboxWithReceiver({ webhookOrder: "shuffled", webhookDuplicateRate: 1 });
    try {
      for (let i = 0; i < 6; i++) await harness.stripe.customers.create({ email: `s${i}@example.com` });
      await harness.sandbox.webhooksIdle();
      const ids = harness.receiver.received.map((hook) => (JSON.parse(hook.rawBody) as { id: string }).id);
      expect(ids).toHaveLength(12);
      expect(new Set(ids).size).toBe(6);
    } finally {
      await harness.close();
    }
  });

  it("keeps objects, the clock and undelivered events in the state file across restarts", async () => {
    const stateFile = join(dir, "state.json");
    const down = await startReceiver([503, 503, 503, 503, 503, 503]);
    const first = await createStripeSandbox({
      stateFile,
      webhookUrl: down.url,
      webhookSecret: LOCAL_STRIPE.testWebhookSecret,
      webhookRetryDelaysMs: [60_000],
    });
    const customer = await sdkFor(first).customers.create({ email: "kept@example.com" });
    await first.advanceClock(86_400);
    const clock = first.now();
    await first.close();
    await down.close();

    const up = await startReceiver();
    const second = await createStripeSandbox({
      stateFile,
      webhookUrl: up.url,
      webhookSecret: LOCAL_STRIPE.testWebhookSecret,
    });
    try {
      expect((await sdkFor(second).customers.retrieve(customer.id)).id).toBe(customer.id);
      expect(second.now()).toBeGreaterThanOrEqual(clock);
      await second.webhooksIdle();
      expect(up.received.map((hook) => (JSON.parse(hook.rawBody) as { type: string }).type)).toEqual([
        "customer.created",
      ]);
    } finally {
      await second.close();
      await up.close();
    }
  });
});
