/**
 * Stripe fails while the API serves: the local Stripe sandbox answers 500 (before doing anything, or
 * after recording the meter event: a lost answer), then cannot be reached at all (a TCP proxy refuses
 * connections). Calls go through the real proxy logic and route handlers, usage is reported by the
 * real cron route (GET /api/cron/usage). The API keeps serving throughout, nothing reaches Stripe's
 * meter twice, and once Stripe is back its meter totals equal the units served.
 */
import { NextRequest } from "next/server";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createStripeSandbox, type StripeSandbox } from "@/dev/stripe";
import { sdkFor } from "@/dev/stripe/testing";
import { setupCatalog } from "@/lib/billing/setup-catalog";
import type { Database } from "@/lib/db";
import {
  createTestKey,
  signTestToken,
  startJwksTestServer,
  type JwksTestServer,
  type TestKey,
} from "@/lib/gate/jwks-test-server";
import type { ReportSummary } from "@/lib/metering/report-usage";
import { createMigratedDatabase, TEST_BACKEND, type TestDatabase } from "../database";
import { givePlan } from "../fixtures";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy";

const AUDIENCE = "https://api.tollgate.test/";
const BASE = "http://localhost:3000";
const CRON_SECRET = "cron-secret-for-fault-tests-0123";

let issuer: JwksTestServer;
let key: TestKey;
let database: TestDatabase & { db: Database };
let sandbox: StripeSandbox;
let stripe: Stripe;
let stripeProxy: TcpProxy;
let app: Awaited<ReturnType<typeof loadApp>>;
const globals = globalThis as {
  tollgateDb?: Database;
  tollgateGate?: unknown;
  tollgateStripe?: unknown;
  tollgateRateLimiters?: unknown;
  tollgateAccessCache?: unknown;
  tollgateCallers?: unknown;
};

async function loadApp() {
  vi.resetModules();
  for (const name of [
    "tollgateGate",
    "tollgateStripe",
    "tollgateRateLimiters",
    "tollgateAccessCache",
    "tollgateCallers",
  ] as const)
    delete globals[name];
  return {
    admitRequest: (await import("@/lib/api/admit-request")).admitRequest,
    widgets: await import("@/app/api/v1/widgets/route"),
    cron: await import("@/app/api/cron/usage/route"),
  };
}

beforeAll(async () => {
  key = await createTestKey("stripe-outage-key");
  [issuer, database, sandbox] = await Promise.all([
    startJwksTestServer([key]),
    createMigratedDatabase(),
    createStripeSandbox({ port: 0 }),
  ]);
  stripe = sdkFor(sandbox);
  await setupCatalog(stripe);
  // The app reaches Stripe through this proxy, which can refuse connections like a host that is down.
  stripeProxy = await startTcpProxy({ host: "127.0.0.1", port: sandbox.port });
  vi.stubEnv("AUTH0_ISSUER", issuer.issuer);
  vi.stubEnv("AUTH0_AUDIENCE", AUDIENCE);
  vi.stubEnv("STRIPE_SECRET_KEY", "");
  vi.stubEnv("STRIPE_API_URL", `http://127.0.0.1:${stripeProxy.port}`);
  vi.stubEnv("CRON_SECRET", CRON_SECRET);
  vi.stubEnv("RATE_LIMIT_SCALE", "100");
  globals.tollgateDb = database.db;
  app = await loadApp();
});

afterAll(async () => {
  vi.unstubAllEnvs();
  delete globals.tollgateDb;
  delete globals.tollgateStripe;
  await stripeProxy.close();
  await Promise.all([issuer.close(), sandbox.close(), database.destroy()]);
});

interface Caller {
  stripeCustomerId: string;
  token: string;
  served: number;
}

async function caller(name: string): Promise<Caller> {
  const stripeCustomer = await stripe.customers.create({ email: `${name}@example.com` });
  const customer = await database.db.customer.create({
    data: { email: `${name}@example.com`, stripeCustomerId: stripeCustomer.id },
  });
  await givePlan(database.db, customer.id, "scale");
  await database.db.apiClient.create({ data: { clientId: name, customerId: customer.id, name, scopes: [] } });
  const now = Math.floor(Date.now() / 1000);
  const token = await signTestToken(key, {
    iss: issuer.issuer,
    aud: AUDIENCE,
    sub: `${name}@clients`,
    azp: name,
    gty: "client-credentials",
    scope: "get:widgets create:widgets",
    iat: now,
    exp: now + 3600,
  });
  return { stripeCustomerId: stripeCustomer.id, token, served: 0 };
}

/** Calls through the proxy's admission and the route handlers: a list and a create per round. */
async function serve(callers: Caller[], rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const responses = await Promise.all(
      callers.flatMap((who) => {
        const get = { headers: { authorization: `Bearer ${who.token}` } };
        const post = {
          method: "POST",
          headers: { authorization: `Bearer ${who.token}`, "content-type": "application/json" },
          body: JSON.stringify({ name: "Gear", size_cm: 4 }),
        };
        return [
          handle(new NextRequest(`${BASE}/api/v1/widgets`, get), () =>
            app.widgets.GET(new Request(`${BASE}/api/v1/widgets`, get), {}),
          ),
          handle(new NextRequest(`${BASE}/api/v1/widgets`, post), () =>
            app.widgets.POST(new Request(`${BASE}/api/v1/widgets`, post), {}),
          ),
        ].map(async (response) => ({ who, status: (await response).status }));
      }),
    );
    // Stripe's state never stands between a customer and the API: every call is served.
    expect(responses.map((response) => response.status).filter((status) => status >= 300)).toEqual([]);
    for (const { who } of responses) who.served += 1; // one unit each
  }
}

async function handle(request: NextRequest, route: () => Promise<Response>): Promise<Response> {
  const admission = await app.admitRequest(request);
  return admission.admitted ? route() : admission.response;
}

/** One run of the reporter through the cron route, as Vercel Cron calls it. */
async function cron(): Promise<ReportSummary> {
  const response = await app.cron.GET(
    new Request(`${BASE}/api/cron/usage`, { headers: { authorization: `Bearer ${CRON_SECRET}` } }),
  );
  expect(response.status).toBe(200);
  return (await response.json()) as ReportSummary;
}

const meterTotal = (stripeCustomerId: string) =>
  sandbox.state.meterEvents
    .filter((event) => event.payload.stripe_customer_id === stripeCustomerId)
    .reduce((sum, event) => sum + Number(event.payload.value), 0);

describe(`Stripe down or failing while the API serves, on ${TEST_BACKEND}`, () => {
  it(
    "keeps serving, reports nothing twice, and Stripe's totals equal the served units once it is back",
    { timeout: 180_000 },
    async () => {
      const callers = await Promise.all(["stripe-a", "stripe-b", "stripe-c"].map(caller));

      // Stripe answers 500 without doing anything.
      sandbox.setFaults({ rate: 1, statuses: [500] });
      await serve(callers, 3);
      const failing = await cron();
      expect(failing).toMatchObject({ sent: 0, duplicates: 0 });
      expect(failing.failed).toBeGreaterThan(0);
      expect(sandbox.state.meterEvents).toHaveLength(0);

      // Stripe records the events, then answers 500: the answers are lost, the reporter cannot know.
      sandbox.setFaults({ rate: 1, statuses: [500], when: "after" });
      await serve(callers, 3);
      const lost = await cron();
      expect(lost).toMatchObject({ sent: 0, duplicates: 0 });
      expect(lost.failed).toBeGreaterThan(0);
      const recordedUnseen = sandbox.state.meterEvents.length;
      expect(recordedUnseen).toBeGreaterThan(0);

      // Stripe cannot be reached at all.
      sandbox.setFaults(null);
      await stripeProxy.setMode("refuse");
      await serve(callers, 3);
      const down = await cron();
      expect(down).toMatchObject({ sent: 0, duplicates: 0 });
      expect(down.failed).toBeGreaterThan(0);
      expect(sandbox.state.meterEvents).toHaveLength(recordedUnseen);

      // Back: runs until nothing is left, as `npm run report:usage` does.
      await stripeProxy.setMode("up");
      await serve(callers, 1);
      const runs: ReportSummary[] = [];
      for (let run = await cron(); ; run = await cron()) {
        runs.push(run);
        if (run.planned === 0 && run.sent + run.duplicates + run.failed === 0) break;
        if (runs.length > 10) throw new Error(`the reporter does not settle: ${JSON.stringify(runs)}`);
      }
      expect(runs.reduce((sum, run) => sum + run.failed, 0)).toBe(0);
      // The events Stripe had recorded unseen were recognised by their identifier, not sent again.
      expect(runs.reduce((sum, run) => sum + run.duplicates, 0)).toBe(recordedUnseen);

      const identifiers = sandbox.state.meterEvents.map((event) => event.identifier);
      expect(new Set(identifiers).size).toBe(identifiers.length);
      for (const who of callers) expect(meterTotal(who.stripeCustomerId)).toBe(who.served);
      expect(await database.db.usageReport.count({ where: { status: { not: "sent" } } })).toBe(0);
      console.info(
        `Stripe outage on ${TEST_BACKEND}: every call served through 500s, lost answers and refused ` +
          `connections; ${recordedUnseen} meter events recorded unseen were recognised as duplicates; ` +
          `${identifiers.length} meter events, one per identifier; Stripe's totals = served units ` +
          `(${callers.map((who) => who.served).join(", ")}).`,
      );
    },
  );
});
