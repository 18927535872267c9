import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { createStripeSandbox, type StripeSandbox } from "./create-stripe-sandbox";
import { createMeter, sdkFor } from "./testing";

// A frozen clock on an hour boundary: 2026-03-10T12:00:00Z plus whatever the test advances.
const T0 = Date.parse("2026-03-10T12:00:00Z") / 1000;
let sandbox: StripeSandbox;
let stripe: Stripe;
let customer: Stripe.Customer;

beforeAll(async () => {
  sandbox = await createStripeSandbox({ now: () => T0 });
  stripe = sdkFor(sandbox);
  customer = await stripe.customers.create({ email: "meter@example.com" });
});
afterAll(() => sandbox.close());

describe("meter events", () => {
  it("records events, refuses a duplicate identifier as Stripe does, and sums them in summaries", async () => {
    const meter = await createMeter(stripe, "calls_sum");
    const sent = await stripe.billing.meterEvents.create({
      event_name: "calls_sum",
      payload: { stripe_customer_id: customer.id, value: "5" },
      identifier: "usage-1",
      timestamp: T0 - 3600,
    });
    expect(sent).toMatchObject({
      object: "billing.meter_event",
      identifier: "usage-1",
      timestamp: T0 - 3600,
    });
    await stripe.billing.meterEvents.create({
      event_name: "calls_sum",
      payload: { stripe_customer_id: customer.id, value: "7" },
      identifier: "usage-2",
      timestamp: T0 - 60,
    });
    await stripe.billing.meterEvents.create({
      event_name: "calls_sum",
      payload: { stripe_customer_id: customer.id, value: "100" },
      identifier: "usage-old",
      timestamp: T0 - 3 * 86_400,
    });

    const duplicate = stripe.billing.meterEvents.create({
      event_name: "calls_sum",
      payload: { stripe_customer_id: customer.id, value: "5" },
      identifier: "usage-1",
    });
    await expect(duplicate).rejects.toMatchObject({
      type: "StripeInvalidRequestError",
      statusCode: 400,
      message: "An event already exists with identifier usage-1.",
    });

    const total = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: T0 - 86_400,
      end_time: T0,
    });
    expect(total.data).toEqual([
      expect.objectContaining({
        object: "billing.meter_event_summary",
        aggregated_value: 12,
        start_time: T0 - 86_400,
        end_time: T0,
        meter: meter.id,
      }),
    ]);

    const hourly = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.id,
      start_time: T0 - 2 * 3600,
      end_time: T0,
      value_grouping_window: "hour",
    });
    expect(hourly.data.map((summary) => [summary.start_time, summary.aggregated_value])).toEqual([
      [T0 - 3600, 12],
    ]);
  });

  it("aggregates count and last meters", async () => {
    const count = await createMeter(stripe, "n", "count");
    const last = await createMeter(stripe, "seats", "last");
    for (const [value, offset] of [
      ["3", 300],
      ["9", 120],
      ["4", 200],
    ] as const) {
      await stripe.billing.meterEvents.create({
        event_name: "n",
        payload: { stripe_customer_id: customer.id, value },
        timestamp: T0 - offset,
      });
      await stripe.billing.meterEvents.create({
        event_name: "seats",
        payload: { stripe_customer_id: customer.id, value },
        timestamp: T0 - offset,
      });
    }
    const window = { customer: customer.id, start_time: T0 - 3600, end_time: T0 };
    expect((await stripe.billing.meters.listEventSummaries(count.id, window)).data[0]?.aggregated_value).toBe(
      3,
    );
    expect((await stripe.billing.meters.listEventSummaries(last.id, window)).data[0]?.aggregated_value).toBe(
      9,
    );
  });

  it("refuses timestamps outside Stripe's window and unaligned summary bounds", async () => {
    await expect(
      stripe.billing.meterEvents.create({
        event_name: "calls_sum",
        payload: { stripe_customer_id: customer.id, value: "1" },
        timestamp: T0 - 36 * 86_400,
      }),
    ).rejects.toMatchObject({
      statusCode: 400,
      param: "timestamp",
      message: expect.stringContaining("35 days"),
    });
    await expect(
      stripe.billing.meterEvents.create({
        event_name: "calls_sum",
        payload: { stripe_customer_id: customer.id, value: "1" },
        timestamp: T0 + 301,
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: "timestamp" });
    const meter = (await stripe.billing.meters.list()).data[0];
    await expect(
      stripe.billing.meters.listEventSummaries(meter?.id ?? "", {
        customer: customer.id,
        start_time: T0 - 90,
        end_time: T0,
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: "start_time" });
    await expect(
      stripe.billing.meters.listEventSummaries(meter?.id ?? "", {
        customer: customer.id,
        start_time: T0 - 1800,
        end_time: T0,
        value_grouping_window: "hour",
      }),
    ).rejects.toMatchObject({ statusCode: 400, param: "start_time" });
  });

  it("injects faults for retry tests without applying the failed request", async () => {
    sandbox.setFaults({ rate: 1, statuses: [429], pathPrefix: "/v1/billing/meter_events" });
    await expect(
      stripe.billing.meterEvents.create({
        event_name: "calls_sum",
        payload: { stripe_customer_id: customer.id, value: "1" },
        identifier: "faulty",
      }),
    ).rejects.toMatchObject({ statusCode: 429 });
    sandbox.setFaults(null);
    const ok = await stripe.billing.meterEvents.create({
      event_name: "calls_sum",
      payload: { stripe_customer_id: customer.id, value: "1" },
      identifier: "faulty",
    });
    expect(ok.identifier).toBe("faulty");
  });
});
