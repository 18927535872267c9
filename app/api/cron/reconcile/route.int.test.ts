import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { localProductionSecrets } from "@/dev/production-secrets";
import { createStripeSandbox, type StripeSandbox } from "@/dev/stripe";
import { sdkFor } from "@/dev/stripe/testing";
import { stripeKey } from "@/lib/billing/stripe";
import type { Database } from "@/lib/db";
import { recordUsage } from "@/lib/metering/record-usage";
import { reportUsage } from "@/lib/metering/report-usage";
import { resetProcessState } from "@/lib/process-state";
import { createMigratedDatabase, type TestDatabase } from "@/test/database";
import { setAppDatabase } from "@/test/process-state";

const SECRET = "cron-secret-for-tests-0123456789";
let database: TestDatabase & { db: Database };
let sandbox: StripeSandbox;
let stripe: Stripe;

async function loadRoute(env: Record<string, string | undefined>) {
  vi.resetModules();
  resetProcessState(stripeKey);
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return import("./route");
}

beforeAll(async () => {
  database = await createMigratedDatabase();
  sandbox = await createStripeSandbox({ port: 0 });
  stripe = sdkFor(sandbox);
  await stripe.billing.meters.create({
    display_name: "API units",
    event_name: "api_units",
    default_aggregation: { formula: "sum" },
  });
  setAppDatabase(database.db);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  resetProcessState();
  await sandbox.close();
  await database.destroy();
});

const request = (authorization?: string) =>
  new Request("http://localhost/api/cron/reconcile", { headers: authorization ? { authorization } : {} });

describe("GET /api/cron/reconcile", () => {
  it("refuses requests without the cron secret, as the usage cron does", async () => {
    const { GET } = await loadRoute({
      CRON_SECRET: SECRET,
      STRIPE_API_URL: sandbox.url,
      LOG_LEVEL: "silent",
    });
    for (const header of [undefined, "Bearer wrong", `Bearer ${SECRET}x`, SECRET]) {
      const response = await GET(request(header));
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="cron"');
    }
  });

  it("answers the days that differ: a mismatch alerts, usage still to be reported does not", async () => {
    const { GET } = await loadRoute({
      CRON_SECRET: SECRET,
      STRIPE_API_URL: sandbox.url,
      LOG_LEVEL: "silent",
    });
    const stripeCustomer = await stripe.customers.create({ email: "cron-reconcile@example.com" });
    const row = await database.db.customer.create({
      data: { email: "cron-reconcile@example.com", stripeCustomerId: stripeCustomer.id },
    });
    const at = new Date(Date.now() - 60_000);
    await recordUsage(database.db, {
      customerId: row.id,
      meter: "api_units",
      units: 3,
      at,
      periodStart: new Date(0),
    });
    const pending = (await (await GET(request(`Bearer ${SECRET}`))).json()) as Record<string, unknown>;
    expect(pending).toMatchObject({ matched: true, mismatches: 0, inFlight: 1 });

    await reportUsage(database.db, stripe);
    await stripe.billing.meterEvents.create({
      event_name: "api_units",
      payload: { stripe_customer_id: stripeCustomer.id, value: "2" },
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

  it("is off until CRON_SECRET is set in production", async () => {
    const { GET } = await loadRoute({
      NODE_ENV: "production",
      TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION: "1",
      ...localProductionSecrets(),
      CRON_SECRET: undefined,
    });
    expect((await GET(request("Bearer anything"))).status).toBe(503);
  });
});
