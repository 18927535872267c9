/**
 * Meter error reports as Stripe sends them to an event destination: meter events answered 200 (v1 or
 * the v2 stream) and dropped afterwards become `v1.billing.meter.error_report_triggered` thin events,
 * signed like webhooks, whose full event (`GET /v2/core/events/:id`) names the dropped identifiers.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import type { StripeSandbox } from "./create-stripe-sandbox";
import { createMeter, sdkFor, startReceiver, startSandboxWithReceiver } from "./testing";

// A clock on an hour boundary: 2026-03-10T12:00:00Z plus whatever a test advances.
const T0 = Date.parse("2026-03-10T12:00:00Z") / 1000;
const SECRET = "whsec_meter_error_reports_test";
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

let sandbox: StripeSandbox;
let stripe: Stripe;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let customer: Stripe.Customer;
let meter: Stripe.Billing.Meter;
let closeAll: () => Promise<void>;

beforeAll(async () => {
  receiver = await startReceiver();
  const started = await startSandboxWithReceiver({
    now: () => T0,
    eventDestinationUrl: receiver.url,
    eventDestinationSecret: SECRET,
    meterErrorSamples: 3,
  });
  sandbox = started.sandbox;
  stripe = started.stripe;
  closeAll = async () => {
    await started.close();
    await receiver.close();
  };
  customer = await stripe.customers.create({ email: "meter-errors@example.com" });
  meter = await createMeter(stripe, "calls");
});
afterAll(() => closeAll());
afterEach(() => {
  receiver.received.length = 0;
});

async function stream(
  events: Parameters<Stripe["v2"]["billing"]["meterEventStream"]["create"]>[0]["events"],
) {
  const session = await stripe.v2.billing.meterEventSession.create();
  await sdkFor(sandbox, session.authentication_token).v2.billing.meterEventStream.create({ events });
}

/** The thin events delivered so far, verified and parsed with the SDK as an app does. */
async function notifications(): Promise<Stripe.V2.Core.EventNotification[]> {
  await sandbox.eventNotificationsIdle();
  return receiver.received.map((delivery) =>
    stripe.parseEventNotification(delivery.rawBody, delivery.signature, SECRET),
  );
}

async function total(): Promise<number> {
  const summaries = await stripe.billing.meters.listEventSummaries(meter.id, {
    customer: customer.id,
    start_time: T0 - 86_400,
    end_time: T0 + 3600,
  });
  return summaries.data[0]?.aggregated_value ?? 0;
}

describe("meter error reports", () => {
  it("reports stream events dropped for an unknown customer as a signed thin event naming their identifiers", async () => {
    await stream([
      { event_name: "calls", identifier: "ok-1", payload: { stripe_customer_id: customer.id, value: "2" } },
      {
        event_name: "calls",
        identifier: "lost-1",
        payload: { stripe_customer_id: "cus_missing", value: "3" },
      },
    ]);
    const [notification, ...others] = await notifications();
    expect(others).toEqual([]);
    expect(notification).toMatchObject({
      object: "v2.core.event",
      type: "v1.billing.meter.error_report_triggered",
      livemode: false,
      related_object: { id: meter.id, type: "billing.meter", url: `/v1/billing/meters/${meter.id}` },
    });
    // Thin: the destination gets no data; the app must fetch the event.
    expect(JSON.parse(receiver.received[0]?.rawBody ?? "{}")).not.toHaveProperty("data");

    const event = await stripe.v2.core.events.retrieve(notification?.id ?? "");
    expect(event.type).toBe("v1.billing.meter.error_report_triggered");
    if (event.type !== "v1.billing.meter.error_report_triggered") return;
    expect(event.data.reason).toEqual({
      error_count: 1,
      error_types: [
        {
          code: "meter_event_customer_not_found",
          error_count: 1,
          sample_errors: [
            { error_message: "No such customer: 'cus_missing'.", request: { identifier: "lost-1" } },
          ],
        },
      ],
    });
    expect(Date.parse(event.data.validation_start)).toBeLessThan(Date.parse(event.data.validation_end));
    const related = await event.fetchRelatedObject();
    expect(related.id).toBe(meter.id);
    expect(await total()).toBe(2);
  });

  it("answers v1 with 200, then drops the event of a deleted customer and reports it", async () => {
    const gone = await stripe.customers.create({ email: "gone@example.com" });
    await stripe.customers.del(gone.id);
    const accepted = await stripe.billing.meterEvents.create({
      event_name: "calls",
      identifier: "v1-lost",
      payload: { stripe_customer_id: gone.id, value: "4" },
      timestamp: T0 - 60,
    });
    expect(accepted.identifier).toBe("v1-lost");
    const [notification] = await notifications();
    const event = await stripe.v2.core.events.retrieve(notification?.id ?? "");
    if (event.type !== "v1.billing.meter.error_report_triggered") throw new Error(event.type);
    expect(event.data.reason.error_types[0]?.sample_errors[0]?.request.identifier).toBe("v1-lost");
    // The dropped identifier was never taken: the event can be sent again once it can count.
    expect(sandbox.meterEventErrors.at(-1)).toMatchObject({
      identifier: "v1-lost",
      code: "meter_event_customer_not_found",
    });
  });

  it("reports events of an archived meter, and events of no meter as no_meter_found without a related object", async () => {
    const retired = await createMeter(stripe, "retired");
    await stripe.billing.meters.deactivate(retired.id);
    await stream([
      {
        event_name: "retired",
        identifier: "archived-1",
        payload: { stripe_customer_id: customer.id, value: "1" },
      },
      {
        event_name: "nothing",
        identifier: "no-meter-1",
        payload: { stripe_customer_id: customer.id, value: "1" },
      },
    ]);
    const delivered = await notifications();
    expect(delivered.map((notification) => notification.type).sort()).toEqual([
      "v1.billing.meter.error_report_triggered",
      "v1.billing.meter.no_meter_found",
    ]);
    for (const notification of delivered) {
      const event = await stripe.v2.core.events.retrieve(notification.id);
      if (event.type === "v1.billing.meter.no_meter_found") {
        expect("related_object" in event).toBe(false);
        expect(event.data.reason.error_types[0]).toMatchObject({ code: "no_meter" });
      } else if (event.type === "v1.billing.meter.error_report_triggered") {
        expect(event.related_object.id).toBe(retired.id);
        expect(event.data.reason.error_types[0]).toMatchObject({
          code: "archived_meter",
          sample_errors: [expect.objectContaining({ request: { identifier: "archived-1" } })],
        });
      }
    }
  });

  it("counts every error but samples only a few identifiers per code, as Stripe does", async () => {
    await stream(
      Array.from({ length: 7 }, (_, index) => ({
        event_name: "calls",
        identifier: `many-${index}`,
        payload: { stripe_customer_id: "cus_unknown", value: "1" },
      })),
    );
    const [notification] = await notifications();
    const event = await stripe.v2.core.events.retrieve(notification?.id ?? "");
    if (event.type !== "v1.billing.meter.error_report_triggered") throw new Error(event.type);
    expect(event.data.reason.error_count).toBe(7);
    expect(event.data.reason.error_types[0]?.error_count).toBe(7);
    expect(
      event.data.reason.error_types[0]?.sample_errors.map((sample) => sample.request.identifier),
    ).toEqual(["many-0", "many-1", "many-2"]);
  });

  it("reports a stream event too old to count, and no duplicate (Stripe drops those silently)", async () => {
    await stream([
      {
        event_name: "calls",
        identifier: "too-old",
        payload: { stripe_customer_id: customer.id, value: "1" },
        timestamp: iso(T0 - 36 * 86_400),
      },
      { event_name: "calls", identifier: "ok-1", payload: { stripe_customer_id: customer.id, value: "2" } },
    ]);
    const [notification, ...others] = await notifications();
    expect(others).toEqual([]);
    const event = await stripe.v2.core.events.retrieve(notification?.id ?? "");
    if (event.type !== "v1.billing.meter.error_report_triggered") throw new Error(event.type);
    expect(event.data.reason.error_types.map((type) => type.code)).toEqual(["timestamp_too_far_in_past"]);
  });

  it("forgets identifiers after 24 hours, so a blind resend a day later counts twice", async () => {
    const before = await total();
    const send = () =>
      stripe.billing.meterEvents.create({
        event_name: "calls",
        identifier: "day-old",
        payload: { stripe_customer_id: customer.id, value: "10" },
        timestamp: T0 - 60,
      });
    await send();
    await expect(send()).rejects.toMatchObject({ statusCode: 400 });
    await sandbox.advanceClock(86_400);
    await send();
    expect(await total()).toBe(before + 20);
  });

  it("answers 404 for an unknown v2 event and refuses restricted keys on v2", async () => {
    await expect(stripe.v2.core.events.retrieve("evt_test_missing")).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(
      sdkFor(sandbox, "rk_test_tollgate").v2.core.events.retrieve("evt_test_missing"),
    ).rejects.toMatchObject({
      statusCode: 403,
    });
  });
});
