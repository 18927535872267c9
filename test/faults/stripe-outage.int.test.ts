/**
 * Stripe fails while the API serves: the local Stripe sandbox answers 500 (before doing anything, or
 * after recording the meter event: a lost answer), then cannot be reached at all (a TCP proxy refuses
 * connections). Calls go through the real proxy logic and route handlers, usage is reported by the
 * real cron route (GET /api/cron/usage). The API keeps serving throughout, nothing reaches Stripe's
 * meter twice, and once Stripe is back its meter totals equal the units served.
 */
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createStripeSandbox, type StripeSandbox } from "@tollgate/stripe-sandbox";
import { sdkFor } from "@tollgate/stripe-sandbox/testing";
import { setupStripeProducts } from "@/lib/billing/setup-stripe-products";
import type { ReportSummary } from "@/lib/metering/report-usage";
import { callApi, loadApp, startTestEnvironment, TEST_BASE_URL, type TestEnvironment } from "../app-harness";
import { TEST_BACKEND } from "../database";
import { givePlan } from "../fixtures";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy";

const CRON_SECRET = "cron-secret-for-fault-tests-0123";

let env: TestEnvironment;
let sandbox: StripeSandbox;
let stripe: Stripe;
let stripeProxy: TcpProxy;
let app: Awaited<ReturnType<typeof loadAppWithCron>>;

async function loadAppWithCron() {
  const modules = await loadApp();
  return { ...modules, cron: await import("@/app/api/cron/usage/route") };
}

beforeAll(async () => {
  [env, sandbox] = await Promise.all([
    startTestEnvironment("stripe-outage-key"),
    createStripeSandbox({ port: 0 }),
  ]);
  stripe = sdkFor(sandbox);
  await setupStripeProducts(stripe);
  // The app reaches Stripe through this proxy, which can refuse connections like a host that is down.
  stripeProxy = await startTcpProxy({ host: "127.0.0.1", port: sandbox.port });
  vi.stubEnv("STRIPE_SECRET_KEY", "");
  vi.stubEnv("STRIPE_API_URL", `http://127.0.0.1:${stripeProxy.port}`);
  vi.stubEnv("CRON_SECRET", CRON_SECRET);
  vi.stubEnv("RATE_LIMIT_SCALE", "100");
});

afterAll(async () => {
  await stripeProxy?.close();
  await Promise.all([env?.close(), sandbox?.close()]);
});

interface Caller {
  stripeCustomerId: string;
  token: string;
  served: number;
}

async function caller(name: string): Promise<Caller> {
  const stripeCustomer = await stripe.customers.create({ email: `${name}@example.com` });
  const customer = await env.db.customer.create({
    data: { email: `${name}@example.com`, stripeCustomerId: stripeCustomer.id },
  });
  await givePlan(env.db, customer.id, "scale");
  await env.db.apiClient.create({ data: { clientId: name, customerId: customer.id, name, scopes: [] } });
  const token = await env.issuer.machineToken(name, { scope: "get:widgets create:widgets" });
  return { stripeCustomerId: stripeCustomer.id, token, served: 0 };
}

/** Calls through the proxy's admission and the route handlers: a list and a create per round. */
async function serve(callers: Caller[], rounds: number): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    const responses = await Promise.all(
      callers.flatMap((who) =>
        [
          callApi(app, who.token, "GET", "/api/v1/widgets"),
          callApi(app, who.token, "POST", "/api/v1/widgets", { body: { name: "Gear", size_cm: 4 } }),
        ].map(async (response) => ({ who, status: (await response).status })),
      ),
    );
    // Stripe's state never stands between a customer and the API: every call is served.
    expect(responses.map((response) => response.status).filter((status) => status >= 300)).toEqual([]);
    for (const { who } of responses) who.served += 1; // one unit each
  }
}

/** One run of the reporter through the cron route, as Vercel Cron calls it. */
async function cron(): Promise<ReportSummary> {
  const response = await app.cron.GET(
    new Request(`${TEST_BASE_URL}/api/cron/usage`, { headers: { authorization: `Bearer ${CRON_SECRET}` } }),
  );
  expect(response.status).toBe(200);
  return (await response.json()) as ReportSummary;
}

const meterTotal = (stripeCustomerId: string) =>
  sandbox.state.meterEvents
    .filter((event) => event.payload.stripe_customer_id === stripeCustomerId)
    .reduce((sum, event) => sum + Number(event.payload.value), 0);

describe.each(["v1", "v2"] as const)(
  `Stripe down or failing while the API serves, on ${TEST_BACKEND}, meter events through %s`,
  (api) => {
    beforeAll(async () => {
      sandbox.reset();
      await setupStripeProducts(stripe);
      vi.stubEnv("STRIPE_METER_EVENTS_API", api);
      app = await loadAppWithCron();
    });

    it(
      "keeps serving, reports nothing twice, and Stripe's totals equal the served units once it is back",
      { timeout: 180_000 },
      async () => {
        const callers = await Promise.all(
          ["stripe-a", "stripe-b", "stripe-c"].map((name) => caller(`${api}-${name}`)),
        );

        // Stripe answers 500 without doing anything.
        sandbox.setFaults({ rate: 1, statuses: [500] });
        await serve(callers, 3);
        const failing = await cron();
        expect(failing).toMatchObject({ sent: 0, duplicates: 0 });
        expect(failing.failed).toBeGreaterThan(0);
        expect(sandbox.state.meterEvents).toHaveLength(0);

        // Stripe records the events, then answers 500: the answers are lost. The SDK resends with the
        // same idempotency key: v2 replays the first answer (https://docs.stripe.com/api-v2-overview),
        // v1's sandbox does not, so there the reporter cannot know until Stripe says "already exists".
        sandbox.setFaults({ rate: 1, statuses: [500], when: "after" });
        await serve(callers, 3);
        const lost = await cron();
        const recordedUnseen = api === "v1" ? sandbox.state.meterEvents.length : 0;
        if (api === "v1") {
          expect(lost).toMatchObject({ sent: 0, duplicates: 0 });
          expect(lost.failed).toBeGreaterThan(0);
          expect(recordedUnseen).toBeGreaterThan(0);
        } else {
          expect(lost).toMatchObject({ failed: 0, duplicates: 0 });
          expect(lost.sent).toBeGreaterThan(0);
        }
        const recorded = sandbox.state.meterEvents.length;

        // Stripe cannot be reached at all.
        sandbox.setFaults(null);
        await stripeProxy.setMode("refuse");
        await serve(callers, 3);
        const down = await cron();
        expect(down).toMatchObject({ sent: 0, duplicates: 0 });
        expect(down.failed).toBeGreaterThan(0);
        expect(sandbox.state.meterEvents).toHaveLength(recorded);

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
        expect(await env.db.usageReport.count({ where: { status: { not: "sent" } } })).toBe(0);
        console.info(
          `Stripe outage on ${TEST_BACKEND} (${api}): every call served through 500s, lost answers and refused ` +
            `connections; ${recordedUnseen} meter events recorded unseen were recognised as duplicates; ` +
            `${identifiers.length} meter events, one per identifier; Stripe's totals = served units ` +
            `(${callers.map((who) => who.served).join(", ")}).`,
        );
      },
    );
  },
);
