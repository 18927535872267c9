import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordUsage } from "@/lib/metering/record-usage";
import { reportUsage } from "@/lib/metering/report-usage";
import {
  createUsageMeter,
  cronRequest,
  startAppTestbed,
  TEST_CRON_SECRET,
  USAGE_METER,
  type BillingTestbed,
} from "@/test/fixtures";
import { startNewProcess } from "@/test/process-state";

const SECRET = TEST_CRON_SECRET;
let testbed: BillingTestbed;
let stripe: Stripe;

async function loadRoute() {
  startNewProcess({ CRON_SECRET: SECRET, STRIPE_API_URL: testbed.sandbox.url, LOG_LEVEL: "silent" });
  return import("./route");
}

beforeAll(async () => {
  testbed = await startAppTestbed();
  stripe = testbed.stripe;
  await createUsageMeter(stripe);
});
afterAll(() => testbed.close());

const request = (authorization?: string) => cronRequest("/api/cron/reconcile", authorization);

// The cron secret and the production switch: cron-secret.int.test.ts, for every cron route.
describe("GET /api/cron/reconcile", () => {
  it("answers the days that differ: a mismatch alerts, usage still to be reported does not", async () => {
    const { GET } = await loadRoute();
    const { db } = testbed.database;
    const customer = await testbed.customer("cron-reconcile@example.com");
    const at = new Date(Date.now() - 60_000);
    await recordUsage(db, {
      customerId: customer.id,
      meter: USAGE_METER,
      units: 3,
      at,
      periodStart: new Date(0),
    });
    const pending = (await (await GET(request(`Bearer ${SECRET}`))).json()) as Record<string, unknown>;
    expect(pending).toMatchObject({ matched: true, mismatches: 0, inFlight: 1 });

    await reportUsage(db, stripe);
    await stripe.billing.meterEvents.create({
      event_name: USAGE_METER,
      payload: { stripe_customer_id: customer.stripeId, value: "2" },
      timestamp: Math.floor(at.getTime() / 1000),
    });
    const response = await GET(request(`Bearer ${SECRET}`));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      matched: false,
      mismatches: 1,
      differences: [expect.objectContaining({ served: 3, inStripe: 5, difference: 2, status: "mismatch" })],
    });
  });
});
