/**
 * Meter events Stripe accepts with 200 and drops afterwards, end to end: the reporter sends usage to
 * the local Stripe sandbox, the sandbox drops what Stripe would drop and delivers its meter error
 * reports as signed thin events over HTTP to the app's `/api/stripe/events` route, which marks the
 * reports; later reporter runs send again what can be sent. Real database (PGlite, or PostgreSQL with
 * DATABASE_URL), real SDK; Stripe's totals must end equal to the served units.
 */
import { Writable } from "node:stream";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StripeSandbox } from "@tollgate/stripe-sandbox";
import type { Database } from "@/lib/db";
import { createLogger, loggerKey } from "@/lib/log";
import { setProcessSingleton } from "@/lib/process-state";
import { TEST_BACKEND, type TestDatabase } from "@/test/database";
import { createUsageMeter, startAppTestbed, USAGE_METER, type BillingTestbed } from "@/test/fixtures";
import { startNewProcess } from "@/test/process-state";
import { serveRoute, type RouteServer } from "@/test/route-server";
import { recordUsage } from "./record-usage";
import { reportUsage, type MeterEventsApi } from "./report-usage";

const METER = USAGE_METER;
const SECRET = "whsec_meter_error_reports_e2e";
const HOUR = 3_600_000;

let testbed: BillingTestbed;
let database: TestDatabase & { db: Database };
let sandbox: StripeSandbox;
let stripe: Stripe;
let meter: Stripe.Billing.Meter;
let route: RouteServer;
const logged: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  // The sandbox needs the route's URL and the route the sandbox's: start the route on a late binding.
  let handler: (request: Request) => Promise<Response> = () =>
    Promise.resolve(new Response(null, { status: 503 }));
  route = await serveRoute("/api/stripe/events", (request) => handler(request));
  testbed = await startAppTestbed({
    eventDestinationUrl: route.url,
    eventDestinationSecret: SECRET,
    webhookRetryDelaysMs: [20, 40],
  });
  ({ database, sandbox, stripe } = testbed);
  meter = await createUsageMeter(stripe);
  startNewProcess({
    STRIPE_SECRET_KEY: "",
    STRIPE_WEBHOOK_SECRET: "",
    STRIPE_API_URL: sandbox.url,
    STRIPE_EVENT_DESTINATION_SECRET: SECRET,
  });
  setProcessSingleton(
    loggerKey,
    createLogger(
      "info",
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString().split("\n").filter(Boolean)) logged.push(JSON.parse(line));
          done();
        },
      }),
    ),
  );
  handler = (await import("@/app/api/stripe/events/route")).POST;
});

afterAll(async () => {
  await testbed.close();
  await route.close();
});

const customer = (email: string) => testbed.customer(email);

/** Links a customer to a new Stripe customer (what a person does once the old one is gone). */
async function relink(customerId: string, email: string): Promise<string> {
  const fresh = await stripe.customers.create({ email });
  await database.db.customer.update({ where: { id: customerId }, data: { stripeCustomerId: fresh.id } });
  return fresh.id;
}

/** Serves one-unit calls, one window per hour over the last `hours` hours. */
async function serve(customerId: string, calls: number, hours = 3): Promise<void> {
  const start = Date.now() - hours * HOUR;
  for (let index = 0; index < calls; index++) {
    await recordUsage(database.db, {
      customerId,
      meter: METER,
      units: 1,
      at: new Date(start + (index % hours) * HOUR),
      periodStart: new Date(0),
    });
  }
}

async function total(stripeCustomerId: string): Promise<number> {
  const summaries = await stripe.billing.meters.listEventSummaries(meter.id, {
    customer: stripeCustomerId,
    start_time: Math.floor((Date.now() - 48 * HOUR) / HOUR) * 3600,
    end_time: Math.ceil((Date.now() + 6 * HOUR) / HOUR) * 3600,
  });
  return summaries.data.reduce((sum, summary) => sum + summary.aggregated_value, 0);
}

/** A reporter run `hoursLater` hours from now (Stripe's totals settle; rechecks come due). */
async function run(api: MeterEventsApi, hoursLater = 0) {
  const summary = await reportUsage(database.db, stripe, {
    api,
    now: () => new Date(Date.now() + hoursLater * HOUR),
  });
  await sandbox.eventNotificationsIdle();
  return summary;
}

async function reportsOf(customerId: string) {
  return database.db.usageReport.findMany({ where: { customerId }, orderBy: { identifier: "asc" } });
}

const rejections = (customerId: string) =>
  logged.filter((line) => line.event === "metering.report_rejected" && line.customerId === customerId);

describe.each(["v2", "v1"] as const)(
  `meter events Stripe drops after answering 200, through %s, on ${TEST_BACKEND}`,
  (api) => {
    it("a customer Stripe does not know: rejected and alerted, sent again under new identifiers once it exists", async () => {
      const a = await customer(`${api}-not-found@example.com`);
      await stripe.customers.del(a.stripeId);
      await serve(a.id, 12);

      expect(await run(api)).toMatchObject({ sent: 3, failed: 0 });
      const rejected = await reportsOf(a.id);
      expect(rejected.map((report) => [report.status, report.rejectCode])).toEqual(
        Array.from({ length: 3 }, () => ["rejected", "meter_event_customer_not_found"]),
      );
      expect(rejections(a.id)).toHaveLength(3);
      expect(rejections(a.id)[0]).toMatchObject({
        level: "error",
        code: "meter_event_customer_not_found",
        retry: true,
      });

      // While the customer is still missing, nothing is sent again.
      expect((await run(api, 2)).settled.resent).toBe(0);
      expect((await reportsOf(a.id)).every((report) => report.status === "rejected")).toBe(true);

      const fresh = await relink(a.id, `${api}-not-found-again@example.com`);
      expect((await run(api, 3)).settled.resent).toBe(3);
      const after = await reportsOf(a.id);
      expect(after.filter((report) => report.status === "resent").map((report) => report.resentAs)).toEqual(
        rejected.map((report) => `${report.identifier}:r1`),
      );
      expect(after.filter((report) => report.status === "sent").map((report) => report.identifier)).toEqual(
        rejected.map((report) => `${report.identifier}:r1`),
      );
      expect(await total(fresh)).toBe(12);
    });

    it("an archived meter: rejected while it is archived, sent again once it is reactivated", async () => {
      const b = await customer(`${api}-archived@example.com`);
      await serve(b.id, 6, 2);
      await stripe.billing.meters.deactivate(meter.id);
      try {
        await run(api);
        expect((await reportsOf(b.id)).map((report) => [report.status, report.rejectCode])).toEqual([
          ["rejected", "archived_meter"],
          ["rejected", "archived_meter"],
        ]);
        expect((await run(api, 2)).settled.resent).toBe(0);
      } finally {
        await stripe.billing.meters.reactivate(meter.id);
      }
      expect((await run(api, 3)).settled.resent).toBe(2);
      expect(await total(b.stripeId)).toBe(6);
    });
  },
);

describe(`reports Stripe drops without naming them, on ${TEST_BACKEND}`, () => {
  it("settles the reports sent then from Stripe's totals: the held ones stay sent, the dropped ones are sent again", async () => {
    const dropped = await customer("unnamed-dropped@example.com");
    const held = await customer("unnamed-held@example.com");
    await stripe.customers.del(dropped.stripeId);
    await serve(dropped.id, 8, 8);
    await serve(held.id, 4, 2);
    // One batch on the stream: one error report, counting 8 errors but naming 5 (Stripe samples).
    expect(await run("v2")).toMatchObject({ sent: 10, failed: 0 });
    const statuses = (reports: Awaited<ReturnType<typeof reportsOf>>) =>
      reports.map((report) => report.status).sort();
    expect(statuses(await reportsOf(dropped.id))).toEqual([
      ...Array(5).fill("rejected"),
      ...Array(3).fill("suspect"),
    ]);
    expect(statuses(await reportsOf(held.id))).toEqual(["suspect", "suspect"]);
    expect(logged.some((line) => line.event === "metering.report_rejected" && line.unnamed === 3)).toBe(true);

    const fresh = await relink(dropped.id, "unnamed-dropped-again@example.com");
    await run("v2", 2);
    expect(statuses(await reportsOf(held.id))).toEqual(["sent", "sent"]);
    expect(statuses(await reportsOf(dropped.id))).toEqual([
      ...Array(8).fill("resent"),
      ...Array(8).fill("sent"),
    ]);
    expect(await total(held.stripeId)).toBe(4);
    expect(await total(fresh)).toBe(8);
  });
});

describe(`usage Stripe finds too old, on ${TEST_BACKEND}`, () => {
  it("is marked expired with Stripe's reason and never sent again", async () => {
    const c = await customer("too-old@example.com");
    // Young enough for the reporter (35 days less 2 hours), too old for Stripe's clock, 3 hours ahead.
    await recordUsage(database.db, {
      customerId: c.id,
      meter: METER,
      units: 7,
      at: new Date(Date.now() - 35 * 24 * HOUR + 2 * HOUR),
      periodStart: new Date(0),
    });
    await sandbox.advanceClock(3 * 3600);
    expect(await run("v2")).toMatchObject({ sent: 1, expired: 0 });
    const [report] = await reportsOf(c.id);
    expect(report).toMatchObject({ status: "expired", rejectCode: "timestamp_too_far_in_past", value: 7n });
    expect(rejections(c.id)[0]).toMatchObject({ status: "expired", retry: false });
    expect((await run("v2", 4)).settled.resent).toBe(0);
    expect(await reportsOf(c.id)).toHaveLength(1);
  });
});
