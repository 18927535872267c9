import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Stripe from "stripe";
import { createStripeSandbox, type StripeSandbox } from "./create-stripe-sandbox";
import { createMeter, sdkFor } from "./testing";

// A frozen clock on an hour boundary: 2026-03-10T12:00:00Z plus whatever a test advances.
const T0 = Date.parse("2026-03-10T12:00:00Z") / 1000;
const DAY = 86_400;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** The SDK does not export the stream's parameter types by name. */
type StreamEvent = Parameters<Stripe["v2"]["billing"]["meterEventStream"]["create"]>[0]["events"][number];

let sandbox: StripeSandbox;
let stripe: Stripe;
let customer: Stripe.Customer;
let meter: Stripe.Billing.Meter;

/** A stream client as Stripe's docs build one: a second SDK instance on a fresh session's token. */
async function openStream(target: StripeSandbox = sandbox): Promise<Stripe> {
  const session = await sdkFor(target).v2.billing.meterEventSession.create();
  return sdkFor(target, session.authentication_token);
}

function event(identifier: string, value = "1", overrides: Partial<StreamEvent> = {}): StreamEvent {
  return {
    event_name: "stream_calls",
    identifier,
    payload: { stripe_customer_id: customer.id, value },
    timestamp: iso(T0 - 60),
    ...overrides,
  };
}

/** The meter's total for the customer over the last day (up to an hour ahead, past any `T0` event). */
async function total(target: Stripe.Billing.Meter = meter): Promise<number> {
  const summaries = await stripe.billing.meters.listEventSummaries(target.id, {
    customer: customer.id,
    start_time: T0 - DAY,
    end_time: T0 + 3600,
  });
  return summaries.data[0]?.aggregated_value ?? 0;
}

const errorsFor = (...identifiers: string[]) =>
  sandbox.meterEventErrors.filter((error) => identifiers.includes(error.identifier));

beforeAll(async () => {
  sandbox = await createStripeSandbox({ now: () => T0 });
  stripe = sdkFor(sandbox);
  customer = await stripe.customers.create({ email: "stream@example.com" });
  meter = await createMeter(stripe, "stream_calls");
});
afterAll(() => sandbox.close());

describe("meter event sessions", () => {
  it("opens a session whose token is valid for 15 minutes of sandbox time", async () => {
    const session = await stripe.v2.billing.meterEventSession.create();
    expect(session).toMatchObject({
      object: "v2.billing.meter_event_session",
      created: "2026-03-10T12:00:00.000Z",
      expires_at: "2026-03-10T12:15:00.000Z",
      livemode: false,
    });
    expect(session.authentication_token).toMatch(/^mes_test_/);
  });

  it("raises TemporarySessionExpiredError once the session has expired", async () => {
    const own = await createStripeSandbox({ now: () => T0 });
    try {
      const stream = await openStream(own);
      await own.advanceClock(16 * 60);
      const expired = stream.v2.billing.meterEventStream.create({
        events: [{ event_name: "late", payload: { stripe_customer_id: "cus_x", value: "1" } }],
      });
      await expect(expired).rejects.toBeInstanceOf(Stripe.errors.TemporarySessionExpiredError);
      await expect(expired).rejects.toMatchObject({
        statusCode: 401,
        code: "billing_meter_event_session_expired",
      });
      // A new session carries on.
      const renewed = await openStream(own);
      await expect(
        renewed.v2.billing.meterEventStream.create({
          events: [{ event_name: "late", payload: { stripe_customer_id: "cus_x", value: "1" } }],
        }),
      ).resolves.toBeDefined();
    } finally {
      await own.close();
    }
  });

  it("refuses a secret key on the stream, and a session token everywhere else", async () => {
    const session = await stripe.v2.billing.meterEventSession.create();
    const withToken = sdkFor(sandbox, session.authentication_token);
    const cases: Array<[string, Promise<unknown>]> = [
      ["secret key on the stream", stripe.v2.billing.meterEventStream.create({ events: [event("sk-1")] })],
      [
        "unknown token on the stream",
        sdkFor(sandbox, "mes_test_unknown").v2.billing.meterEventStream.create({ events: [event("u-1")] }),
      ],
      ["token on /v1/customers", withToken.customers.list()],
      ["token opening a session", withToken.v2.billing.meterEventSession.create()],
    ];
    for (const [name, call] of cases) {
      await expect(call, name).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
      await expect(call, name).rejects.toMatchObject({ statusCode: 401 });
    }
    expect(errorsFor("sk-1", "u-1")).toEqual([]);
    expect(await total()).toBe(0);
  });
});

describe("meter event stream", () => {
  it("records events that summaries count, like v1 meter events", async () => {
    const stream = await openStream();
    await stream.v2.billing.meterEventStream.create({
      events: [
        event("s-1", "5"),
        event("s-2", "7", { timestamp: iso(T0 - 3 * 3600) }),
        // No identifier and no timestamp: Stripe generates one and uses the time of arrival.
        { event_name: "stream_calls", payload: { stripe_customer_id: customer.id, value: "3" } },
      ],
    });
    expect(await total()).toBe(15);
    const recorded = sandbox.state.meterEvents.find((entry) => entry.identifier === "s-2");
    expect(recorded).toEqual({
      object: "billing.meter_event",
      created: T0,
      event_name: "stream_calls",
      identifier: "s-2",
      livemode: false,
      payload: { stripe_customer_id: customer.id, value: "7" },
      timestamp: T0 - 3 * 3600,
    });
    expect(sandbox.state.meterEvents.at(-1)).toMatchObject({
      timestamp: T0,
      identifier: expect.stringMatching(/^idmp_/),
    });
  });

  it("takes 100 events in a request and refuses 101 without recording any", async () => {
    const stream = await openStream();
    const before = await total();
    const batch = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, index) => event(`${prefix}-${index}`));
    await stream.v2.billing.meterEventStream.create({ events: batch("hundred", 100) });
    expect(await total()).toBe(before + 100);

    const tooMany = stream.v2.billing.meterEventStream.create({ events: batch("too-many", 101) });
    await expect(tooMany).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    await expect(tooMany).rejects.toMatchObject({ statusCode: 400, code: "invalid_fields" });
    const empty = stream.v2.billing.meterEventStream.create({ events: [] });
    await expect(empty).rejects.toMatchObject({ statusCode: 400, code: "invalid_fields" });
    expect(await total()).toBe(before + 100);
  });

  it("counts an identifier once within a batch, across batches and across v1 and v2", async () => {
    const stream = await openStream();
    const before = await total();
    await stripe.billing.meterEvents.create({
      event_name: "stream_calls",
      identifier: "dup-v1",
      payload: { stripe_customer_id: customer.id, value: "1" },
      timestamp: T0 - 60,
    });
    await stream.v2.billing.meterEventStream.create({
      events: [event("dup-batch", "2"), event("dup-batch", "2"), event("dup-v1", "4"), event("dup-v2", "8")],
    });
    await stream.v2.billing.meterEventStream.create({ events: [event("dup-v2", "8")] });
    await expect(
      stripe.billing.meterEvents.create({
        event_name: "stream_calls",
        identifier: "dup-v2",
        payload: { stripe_customer_id: customer.id, value: "8" },
      }),
    ).rejects.toMatchObject({ statusCode: 400, message: "An event already exists with identifier dup-v2." });

    expect(await total()).toBe(before + 1 + 2 + 8);
    expect(
      errorsFor("dup-batch", "dup-v1", "dup-v2").map((error) => [error.identifier, error.code, error.meter]),
    ).toEqual([
      ["dup-batch", "duplicate_meter_event", meter.id],
      ["dup-v1", "duplicate_meter_event", meter.id],
      ["dup-v2", "duplicate_meter_event", meter.id],
    ]);
  });

  it("answers 200 but drops the events Stripe drops asynchronously, listing them as errors", async () => {
    const inactive = await createMeter(stripe, "retired_calls");
    await stripe.billing.meters.deactivate(inactive.id);
    const cases: Array<[StreamEvent, string]> = [
      [
        event("bad-customer", "1", { payload: { stripe_customer_id: "cus_nobody", value: "1" } }),
        "meter_event_customer_not_found",
      ],
      [event("bad-no-customer", "1", { payload: { value: "1" } }), "meter_event_no_customer_defined"],
      [event("bad-name", "1", { event_name: "no_such_meter" }), "no_meter"],
      [event("bad-inactive", "1", { event_name: "retired_calls" }), "archived_meter"],
      [event("bad-old", "1", { timestamp: iso(T0 - 36 * DAY) }), "timestamp_too_far_in_past"],
      [event("bad-future", "1", { timestamp: iso(T0 + 301) }), "timestamp_in_future"],
      [event("bad-value", "lots"), "meter_event_invalid_value"],
      [
        event("bad-missing-value", "1", { payload: { stripe_customer_id: customer.id } }),
        "meter_event_invalid_value",
      ],
    ];
    const before = await total();
    const stream = await openStream();
    await expect(
      stream.v2.billing.meterEventStream.create({
        events: [...cases.map(([sent]) => sent), event("good", "2")],
      }),
    ).resolves.toBeDefined();

    expect(await total()).toBe(before + 2);
    const identifiers = cases.map(([sent]) => sent.identifier ?? "");
    expect(errorsFor(...identifiers).map((error) => [error.identifier, error.code])).toEqual(
      cases.map(([sent, code]) => [sent.identifier, code]),
    );
    expect(errorsFor("bad-name")[0]).toMatchObject({ event_name: "no_such_meter", meter: null, at: T0 });
    expect(errorsFor("bad-inactive")[0]?.meter).toBe(inactive.id);
    // Dropped identifiers are not taken: a corrected resend counts.
    await stream.v2.billing.meterEventStream.create({ events: [event("bad-value", "3")] });
    expect(await total()).toBe(before + 5);
  });

  it("refuses malformed events as a whole request, recording none", async () => {
    const stream = await openStream();
    const before = sandbox.state.meterEvents.length;
    const malformed: StreamEvent[] = [
      event("shape-1", "1", { timestamp: String(T0) }),
      event("shape-2", "1", { identifier: "x".repeat(101) }),
    ];
    for (const bad of malformed) {
      await expect(
        stream.v2.billing.meterEventStream.create({ events: [event("shape-ok"), bad] }),
      ).rejects.toMatchObject({ statusCode: 400, code: "invalid_fields" });
    }
    expect(sandbox.state.meterEvents.length).toBe(before);
  });

  it("injects faults on v2 paths; a retry after a lost response replays instead of recording twice", async () => {
    const stream = await openStream();
    const before = await total();
    sandbox.setFaults({ rate: 1, statuses: [429], pathPrefix: "/v2/billing/meter_event_stream" });
    await expect(
      stream.v2.billing.meterEventStream.create({ events: [event("fault-1", "1")] }),
    ).rejects.toMatchObject({ statusCode: 429 });
    // Session creation is outside the prefix.
    await expect(stripe.v2.billing.meterEventSession.create()).resolves.toBeDefined();

    sandbox.setFaults({
      rate: 1,
      statuses: [500],
      pathPrefix: "/v2/billing/meter_event_stream",
      when: "after",
    });
    const retrying = new Stripe((await stripe.v2.billing.meterEventSession.create()).authentication_token, {
      host: "127.0.0.1",
      port: sandbox.port,
      protocol: "http",
      maxNetworkRetries: 1,
    });
    await retrying.v2.billing.meterEventStream.create({ events: [event("fault-1", "1")] });
    sandbox.setFaults(null);
    expect(await total()).toBe(before + 1);
    expect(errorsFor("fault-1")).toEqual([]);
  });

  it("takes 10,000 events in batches of 100 with requests in flight", async () => {
    const stream = await openStream();
    const before = await total();
    const batches = Array.from({ length: 100 }, (_, batch) =>
      Array.from({ length: 100 }, (_, index) => event(`bulk-${batch}-${index}`)),
    );
    const inFlight = 8;
    for (let start = 0; start < batches.length; start += inFlight) {
      await Promise.all(
        batches
          .slice(start, start + inFlight)
          .map((events) => stream.v2.billing.meterEventStream.create({ events })),
      );
    }
    expect(await total()).toBe(before + 10_000);
  });
});

describe("persistence", () => {
  it("keeps streamed events, errors and sessions in the state file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stripe-stream-"));
    try {
      const stateFile = join(dir, "state.json");
      const first = await createStripeSandbox({ now: () => T0, stateFile });
      const firstSdk = sdkFor(first);
      const who = await firstSdk.customers.create({ email: "persist@example.com" });
      const kept = await createMeter(firstSdk, "kept");
      const session = await firstSdk.v2.billing.meterEventSession.create();
      await sdkFor(first, session.authentication_token).v2.billing.meterEventStream.create({
        events: [
          { event_name: "kept", identifier: "p-1", payload: { stripe_customer_id: who.id, value: "4" } },
          { event_name: "kept", identifier: "p-2", payload: { stripe_customer_id: "cus_gone", value: "4" } },
        ],
      });
      await first.close();

      const second = await createStripeSandbox({ now: () => T0, stateFile });
      try {
        expect(second.meterEventErrors.map((error) => [error.identifier, error.code])).toEqual([
          ["p-2", "meter_event_customer_not_found"],
        ]);
        // The session survived the restart, and the identifier is still taken.
        await sdkFor(second, session.authentication_token).v2.billing.meterEventStream.create({
          events: [
            { event_name: "kept", identifier: "p-1", payload: { stripe_customer_id: who.id, value: "4" } },
          ],
        });
        const summary = await sdkFor(second).billing.meters.listEventSummaries(kept.id, {
          customer: who.id,
          start_time: T0 - 3600,
          end_time: T0 + 3600,
        });
        expect(summary.data[0]?.aggregated_value).toBe(4);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
