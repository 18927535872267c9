/**
 * The event destination route: thin events made by the local Stripe sandbox (meter error reports),
 * signed with the real scheme, posted to the route handler, applied to a real database (PGlite, or
 * PostgreSQL with DATABASE_URL). The handler fetches the full event back from the same sandbox.
 */
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StripeSandbox } from "@tollgate/stripe-sandbox";
import type { NotificationReceipt } from "@/lib/billing/event-destination/receive-event-notification";
import type { Database } from "@/lib/db";
import type { TestDatabase } from "@/test/database";
import {
  createUsageMeter,
  signedDelivery,
  startAppTestbed,
  USAGE_METER,
  type BillingTestbed,
  type Signing,
} from "@/test/fixtures";
import { startNewProcess } from "@/test/process-state";

const SECRET = "whsec_event_destination_route_test";
const URL_ = "http://localhost:3000/api/stripe/events";
const METER = USAGE_METER;

let testbed: BillingTestbed;
let sandbox: StripeSandbox;
let stripe: Stripe;
let database: TestDatabase & { db: Database };
let POST: (request: Request) => Promise<Response>;

async function loadRoute(env: Record<string, string>): Promise<(request: Request) => Promise<Response>> {
  startNewProcess(env);
  return (await import("./route")).POST;
}

beforeAll(async () => {
  testbed = await startAppTestbed();
  ({ database, sandbox, stripe } = testbed);
  await createUsageMeter(stripe);
  POST = await loadRoute({
    STRIPE_SECRET_KEY: "",
    STRIPE_WEBHOOK_SECRET: "",
    STRIPE_API_URL: sandbox.url,
    STRIPE_EVENT_DESTINATION_SECRET: SECRET,
    LOG_LEVEL: "silent", // refusals and rejections log by design
  });
});

afterAll(() => testbed.close());

/** A report in the outbox, as the reporter leaves it after Stripe answered 200. */
async function sentReport(identifier: string): Promise<void> {
  const row = await database.db.customer.create({
    data: { email: `${identifier}@example.com`, stripeCustomerId: `cus_${identifier}` },
  });
  await database.db.usageReport.create({
    data: {
      identifier,
      customerId: row.id,
      meter: METER,
      windowStart: new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000),
      value: 5n,
      status: "sent",
      attempts: 1,
      sentAt: new Date(),
      firstAttemptAt: new Date(),
      lastAttemptAt: new Date(),
    },
  });
}

/** Makes Stripe drop a meter event with this identifier (its customer does not exist); the thin event. */
async function dropped(identifier: string): Promise<string> {
  await stripe.billing.meterEvents.create({
    event_name: METER,
    identifier,
    payload: { stripe_customer_id: "cus_nobody", value: "5" },
  });
  const event = [...sandbox.state.v2Events.values()].at(-1);
  if (!event) throw new Error("the sandbox made no meter error report");
  const { data: _data, ...thin } = event;
  return JSON.stringify(thin, null, 2);
}

const post = (payload: string, signing: Signing = {}, route = POST): Promise<Response> =>
  route(signedDelivery(stripe, URL_, payload, SECRET, signing));

const statusOf = async (identifier: string) =>
  (await database.db.usageReport.findUniqueOrThrow({ where: { identifier } })).status;

/** A request body that records whether anyone read it. */
function watchedBody(bytes: number): { body: ReadableStream<Uint8Array>; wasRead: () => boolean } {
  let read = false;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        read = true;
        controller.enqueue(new Uint8Array(bytes));
        controller.close();
      },
    },
    { highWaterMark: 0 },
  );
  return { body, wasRead: () => read };
}

describe("POST /api/stripe/events", () => {
  it("applies a meter error report fetched from Stripe: the report it names becomes rejected, once", async () => {
    await sentReport("route-applied");
    const payload = await dropped("route-applied");
    const response = await post(payload);
    expect(response.status).toBe(200);
    const receipt = (await response.json()) as NotificationReceipt;
    expect(receipt).toMatchObject({
      received: true,
      type: "v1.billing.meter.error_report_triggered",
      outcome: "applied",
      actions: ["rejected route-applied"],
    });
    expect(
      await database.db.usageReport.findUniqueOrThrow({ where: { identifier: "route-applied" } }),
    ).toMatchObject({
      status: "rejected",
      rejectCode: "meter_event_customer_not_found",
      lastError: "No such customer: 'cus_nobody'.",
    });
    const again = (await (await post(payload)).json()) as NotificationReceipt;
    expect(again).toMatchObject({ outcome: "duplicate", actions: [] });
  });

  it("refuses a delivery without a signature before reading its body", async () => {
    const { body, wasRead } = watchedBody(10);
    const response = await POST(
      new Request(URL_, {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
        duplex: "half",
      } as RequestInit),
    );
    expect(response.status).toBe(400);
    expect(wasRead()).toBe(false);
  });

  it("refuses a body over 64 KB before reading it, or as soon as a chunked one passes the limit", async () => {
    const declared = watchedBody(10);
    const tooLong = await POST(
      new Request(URL_, {
        method: "POST",
        body: declared.body,
        headers: { "stripe-signature": "t=1,v1=00", "content-length": String(65 * 1024) },
        duplex: "half",
      } as RequestInit),
    );
    expect(tooLong.status).toBe(413);
    expect(declared.wasRead()).toBe(false);
    const chunked = await post("x".repeat(65 * 1024));
    expect(chunked.status).toBe(413);
  });

  it("refuses a wrong secret, a tampered body and a stale signature, changing nothing", async () => {
    await sentReport("route-forged");
    const payload = await dropped("route-forged");
    const refusals = [
      { secret: "whsec_someone_else" },
      { tamper: (body: string) => body.replace('"livemode": false', '"livemode": true') },
      { timestamp: Math.floor(Date.now() / 1000) - 301 },
      { header: "t=1,v1=deadbeef" },
    ];
    for (const signing of refusals) {
      const response = await post(payload, signing);
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
    expect(await statusOf("route-forged")).toBe("sent");
  });

  it("refuses a signed snapshot (v1) event: only thin events come to this route", async () => {
    const snapshot = JSON.stringify({
      id: "evt_1",
      object: "event",
      type: "customer.created",
      data: { object: {} },
    });
    const response = await post(snapshot);
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("not a Stripe thin event");
  });

  it("acknowledges and ignores a type outside the allow-list without acting on it", async () => {
    const thin = JSON.stringify({
      id: "evt_test_not_fetched",
      object: "v2.core.event",
      type: "v1.customer.created",
      created: new Date().toISOString(),
      livemode: false,
    });
    const receipt = (await (await post(thin)).json()) as NotificationReceipt;
    expect(receipt).toMatchObject({ outcome: "ignored", type: "v1.customer.created" });
  });

  it("acts only on the event Stripe returns: an id Stripe does not know is a 500, and nothing changes", async () => {
    await sentReport("route-unknown");
    const thin = JSON.stringify({
      id: "evt_test_never_made",
      object: "v2.core.event",
      type: "v1.billing.meter.error_report_triggered",
      created: new Date().toISOString(),
      livemode: false,
      related_object: { id: "mtr_x", type: "billing.meter", url: "/v1/billing/meters/mtr_x" },
    });
    expect((await post(thin)).status).toBe(500);
    expect(await statusOf("route-unknown")).toBe("sent");
  });

  it("answers 503 without reading anything until STRIPE_EVENT_DESTINATION_SECRET is set with a real key", async () => {
    const unconfigured = await loadRoute({
      STRIPE_SECRET_KEY: "sk_test_real_account",
      STRIPE_WEBHOOK_SECRET: "whsec_real_account",
      STRIPE_EVENT_DESTINATION_SECRET: "",
    });
    const { body, wasRead } = watchedBody(10);
    const response = await unconfigured(
      new Request(URL_, {
        method: "POST",
        body,
        headers: { "stripe-signature": "t=1,v1=00" },
        duplex: "half",
      } as RequestInit),
    );
    expect(response.status).toBe(503);
    expect(wasRead()).toBe(false);
  });
});
