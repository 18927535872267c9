/**
 * Tollgate as Vercel runs it, on one machine: several `next start` instances of the production build
 * behind a round-robin balancer, sharing one PostgreSQL database and Redis (on PGlite, one instance:
 * it owns its files). Customers call at once across the instances; the quota cap, the rate limit, a
 * revocation, a webhook and a killed instance must all come out as on one server, and every 2xx
 * answer must end up in Stripe's meter exactly once. Run after `next build` (npm test does).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "@/lib/config/schema";
import { createPrismaClient, type Database } from "@/lib/db/client";
import { resetProcessState } from "@/lib/process-state";
import { PLANS } from "@/lib/billing/plans";
import { createStripeClient } from "@/lib/billing/stripe";
import { API_CALLS_METER } from "@/product/operations";
import { calendarMonth } from "@/lib/metering/usage-window";
import { dropDatabase, freshDatabaseUrl } from "@/scripts/lib/fresh-database";
import { poolerUnavailable, startPooler, type Pooler } from "@/scripts/lib/pgbouncer";
import { subscribeThroughCheckout } from "@/test/stripe-checkout";
import { requireRedis, TEST_REDIS_URL } from "@/test/redis";
import { startCluster, type Cluster } from "./cluster";
import { createMachineCustomers, machineToken, type MachineCustomer } from "./customers";
import {
  capScenario,
  countServed,
  createWidget,
  killScenario,
  listWidgets,
  propagationScenario,
  rateLimitScenario,
  stripeUnits,
  type Served,
} from "./scenarios";

const BACKEND = process.env.DATABASE_URL ? "postgres" : "pglite";
const INSTANCES = BACKEND === "postgres" ? 3 : 1;
const REDIS =
  BACKEND === "postgres" && (await requireRedis("the cluster's Redis")) ? TEST_REDIS_URL : undefined;
// Free's 5 calls a second × 8: more than a burst needs to reach the quota check together, less than
// the cluster can be asked on this 2-core machine, so the rate scenario calls faster than the limit.
const RATE_LIMIT_SCALE = 8;
const FREE = PLANS.free.limits;
const CAP_REMAINING = 25;
/** With Redis, caches may hold an answer for a minute: a change seen sooner came through Redis. */
const CACHE_SECONDS = REDIS ? 60 : undefined;
const CRON_SECRET = "cluster-cron-secret-0123456789";

let cluster: Cluster;
let databaseUrl: string | undefined;
let pooler: Pooler | undefined;
let customers: Array<MachineCustomer & { token: string }>;
const served: Served = new Map();
const figures: string[] = [];

beforeAll(async () => {
  databaseUrl =
    BACKEND === "postgres"
      ? await freshDatabaseUrl(process.env.DATABASE_URL ?? "", "tollgate_cluster")
      : undefined;
  // The instances connect through a transaction pooler, as to a production database; migrations
  // go around it.
  if (databaseUrl && requirePooler()) pooler = await startPooler(process.env.DATABASE_URL ?? "");
  let made: MachineCustomer[] = [];
  cluster = await startCluster({
    instances: INSTANCES,
    databaseUrl,
    pooledDatabaseUrl: databaseUrl ? pooler?.pooled(databaseUrl) : undefined,
    redisUrl: REDIS,
    env: {
      CRON_SECRET,
      RATE_LIMIT_SCALE: String(RATE_LIMIT_SCALE),
      USAGE_REPORT_INTERVAL_SECONDS: "2",
      USAGE_REPORT_BUDGET_SECONDS: "5",
      CUSTOMER_ACCESS_CACHE_SECONDS: CACHE_SECONDS?.toString(),
      CALLER_CACHE_SECONDS: CACHE_SECONDS?.toString(),
    },
    async prepare(env) {
      made = await createMachineCustomers(env, { count: 10, prefix: "cluster" });
      // The first customer has used all but CAP_REMAINING of Free's monthly units.
      const db = createPrismaClient(loadConfig(env).db);
      const cap = FREE.hardCapUnits ?? 0;
      await db.quotaCounter.create({
        data: {
          customerId: made[0]?.id ?? "",
          meter: API_CALLS_METER,
          periodStart: calendarMonth(new Date()).start,
          units: cap - CAP_REMAINING,
        },
      });
      await db.$disconnect();
    },
  });
  customers = await Promise.all(
    made.map(async (each) => ({ ...each, token: await machineToken(cluster.env, each) })),
  );
}, 300_000);

afterAll(async () => {
  const app = await inThisProcess;
  await app?.db.$disconnect();
  resetProcessState();
  console.log(
    `[cluster] ${BACKEND}${pooler ? " through PgBouncer" : ""}, ${INSTANCES} instance(s)` +
      `${REDIS ? " + Redis" : ""}:\n  ${figures.join("\n  ")}`,
  );
  await cluster?.close();
  await pooler?.close();
  if (databaseUrl) await dropDatabase(databaseUrl);
});

/** Whether PgBouncer can run: required on CI (installed there), skipped with a note elsewhere. */
function requirePooler(): boolean {
  const unavailable = poolerUnavailable();
  if (!unavailable) return true;
  if (process.env.CI) throw new Error(`The cluster runs through PgBouncer on CI: ${unavailable}`);
  console.warn(`The cluster connects directly, not through a pooler: ${unavailable}`);
  return false;
}

/** The customer playing a part: 0 cap, 1 rate limit, 2 revocation, 3 webhook, 4.. load. */
const customer = (index: number) => {
  const found = customers[index];
  if (!found) throw new Error(`no customer ${index}`);
  return found;
};

let inThisProcess:
  | Promise<{
      db: Database;
      machineClients: typeof import("@/lib/auth/machine-clients");
      apiKeys: typeof import("@/lib/auth/api-keys");
      reportUsage: typeof import("@/lib/metering/report-usage").reportUsage;
    }>
  | undefined;

/** The app's modules in this test process, on the cluster's database and Redis (PostgreSQL only). */
function appInThisProcess() {
  inThisProcess ??= (async () => {
    for (const name of ["DATABASE_URL", "REDIS_URL", "CALLER_CACHE_SECONDS", "APP_BASE_URL"])
      vi.stubEnv(name, cluster.env[name] ?? "");
    vi.resetModules();
    resetProcessState();
    return {
      db: (await import("@/lib/db")).getDb(),
      machineClients: await import("@/lib/auth/machine-clients"),
      apiKeys: await import("@/lib/auth/api-keys"),
      reportUsage: (await import("@/lib/metering/report-usage")).reportUsage,
    };
  })();
  return inThisProcess;
}

describe(`${INSTANCES} instance(s) on ${BACKEND}${REDIS ? " and Redis" : ""}`, () => {
  it("never admit N + 1 calls under a quota cap of N, however the calls spread", async () => {
    const cap = FREE.hardCapUnits ?? 0;
    const result = await capScenario(
      cluster,
      customer(0),
      { cap, remaining: CAP_REMAINING, burst: 150 },
      served,
    );
    figures.push(
      `cap: ${result.admitted} of a burst of 150 admitted with ${CAP_REMAINING} units left; refused ${JSON.stringify(result.refused)}`,
    );
    expect(result.admitted).toBe(CAP_REMAINING);
    expect(result.refused["quota-exceeded"]).toBeGreaterThan(0);
    expect(
      Object.keys(result.refused).every((kind) => kind === "quota-exceeded" || kind === "rate-limited"),
    ).toBe(true);
  });

  it("hold the plan's rate limit within 10% of its figure across all instances", async () => {
    const points = FREE.rateLimit.points * RATE_LIMIT_SCALE;
    const result = await rateLimitScenario(
      cluster,
      customer(1),
      { points, seconds: 5, concurrency: 12 },
      served,
    );
    figures.push(
      `rate limit: ${result.admitted} admitted in ${result.counted} full windows of ${points}/s (error ${(result.error * 100).toFixed(1)}%); per window ${result.perWindow.join(", ")}; ${result.attempts} attempts`,
    );
    // Enough windows in which calls came faster than the limit, or the figure says nothing about it.
    expect(result.counted).toBeGreaterThanOrEqual(3);
    expect(result.error).toBeLessThanOrEqual(0.1);
  });

  it.runIf(BACKEND === "postgres")(
    "refuse a revoked client on every instance within the cache bound",
    async () => {
      const app = await appInThisProcess();
      const victim = customer(2);
      const row = await app.db.apiClient.findUniqueOrThrow({ where: { clientId: victim.clientId } });
      const boundMs = (CACHE_SECONDS ?? 2) * 1000;
      // With Redis the caches would hold the answer for a minute: refusal well within it is Redis's doing.
      const withinMs = REDIS ? 10_000 : boundMs + 3_000;
      const delays = await propagationScenario(cluster, {
        call: async (url) => {
          const answer = await listWidgets(url, victim.token);
          countServed(served, victim.id, answer.status);
          return answer;
        },
        before: 200,
        after: 403,
        change: async () => {
          await app.machineClients.revokeMachineClient(app.db, victim.id, row.id);
        },
        withinMs,
      });
      figures.push(`revocation refused on each instance after ${delays.map((ms) => `${ms} ms`).join(", ")}`);
      expect(delays.every((ms) => ms !== null)).toBe(true);
    },
  );

  it.runIf(BACKEND === "postgres")(
    "refuse a revoked API key on its very next call on every instance, their caches warm",
    async () => {
      const app = await appInThisProcess();
      const owner = customer(2);
      const { apiKey, key } = await app.apiKeys.issueApiKey(app.db, owner.id, {
        name: "cluster key",
        scopes: ["get:widgets"],
      });
      const instances = cluster.instances.filter((instance) => instance.alive);
      const callEach = () =>
        Promise.all(
          instances.map(async (instance) => {
            const answer = await listWidgets(instance.url, key);
            await answer.arrayBuffer();
            countServed(served, owner.id, answer.status);
            return answer.status;
          }),
        );
      // Twice on each instance: its proxy's cache now holds the key.
      expect([...(await callEach()), ...(await callEach())]).toEqual(Array(instances.length * 2).fill(200));
      // Revoked from this process, as another instance's dashboard would: no instance hears of it.
      await app.apiKeys.revokeApiKey(app.db, owner.id, apiKey.id);
      expect(await callEach()).toEqual(Array(instances.length).fill(401));
      figures.push(`revoked API key refused on the next call by each of ${instances.length} instances`);
    },
  );

  it("let a webhook received by one instance change what every instance answers within the bound", async () => {
    const buyer = customer(3);
    const stripe = createStripeClient(loadConfig(cluster.env).stripe);
    const boundMs = (CACHE_SECONDS ?? 5) * 1000;
    const delays = await propagationScenario(cluster, {
      call: async (url) => {
        const answer = await createWidget(url, buyer.token);
        countServed(served, buyer.id, answer.status);
        return answer;
      },
      before: 402,
      after: 201,
      // Checkout in the sandbox; its webhook goes to the balancer, so to one instance of them.
      change: async () => {
        await subscribeThroughCheckout(stripe, buyer.stripeCustomerId, "pro");
      },
      withinMs: REDIS ? 10_000 : boundMs + 5_000,
    });
    figures.push(
      `plan change (webhook) seen by each instance after ${delays.map((ms) => `${ms} ms`).join(", ")}`,
    );
    expect(delays.every((ms) => ms !== null)).toBe(true);
  });

  it.runIf(INSTANCES > 1)(
    "lose no unit and bill none twice when an instance is killed mid-load",
    async () => {
      const load = customers.slice(4);
      const result = await killScenario(
        cluster,
        load,
        { seconds: 6, killAfterMs: 2_000, perCustomer: 3 },
        served,
      );
      figures.push(
        `kill: instance ${result.killedPort} SIGKILLed after 2 s of 6; ${result.served} × 2xx, ${result.lostAnswers} answers lost with it, other ${JSON.stringify(result.otherStatuses)}`,
      );
      expect(result.served).toBeGreaterThan(100);
      // The load customers are on Free (5 calls a second, times RATE_LIMIT_SCALE): on a quiet machine
      // three callers each can outrun it, and a 429 is a refusal that bills nothing. Any other answer
      // (a 5xx above all) would be an instance's death reaching a caller.
      const { 429: _rateLimited, ...unexpected } = result.otherStatuses;
      expect(unexpected).toEqual({});
    },
  );

  it("put every 2xx answer in Stripe's meter exactly once", async () => {
    const stripe = createStripeClient(loadConfig(cluster.env).stripe);
    if (BACKEND === "postgres") {
      // The killed instance may hold the reporter's lease until it expires: drain from here, as
      // `npm run report:usage` does beside running reporters (safe: identifiers are deterministic).
      const app = await appInThisProcess();
      for (let run = 0; run < 20; run++) {
        const summary = await app.reportUsage(app.db, stripe);
        if (summary.drained && summary.failed === 0 && summary.planned === 0) break;
      }
    } else {
      await vi.waitFor(
        async () => {
          const response = await fetch(`${cluster.url}/api/cron/usage`, {
            headers: { authorization: `Bearer ${CRON_SECRET}` },
          });
          const run = (await response.json()) as { ran?: boolean; planned?: number; drained?: boolean };
          expect(run).toMatchObject({ ran: true, planned: 0, drained: true });
        },
        { timeout: 60_000, interval: 500 },
      );
    }
    // The units metered locally, where the database can be read beside the running instances.
    const metered = new Map<string, number>();
    if (BACKEND === "postgres") {
      const app = await appInThisProcess();
      const sums = await app.db.usageCounter.groupBy({ by: ["customerId"], _sum: { units: true } });
      for (const sum of sums) metered.set(sum.customerId, Number(sum._sum.units ?? 0));
    }
    let lost = 0;
    let unanswered = 0;
    let twice = 0;
    for (const each of customers) {
      const units = await stripeUnits(stripe, each.stripeCustomerId);
      const answered = served.get(each.id) ?? 0;
      lost += Math.max(0, answered - units);
      unanswered += Math.max(0, units - answered);
      twice += Math.max(0, units - (metered.get(each.id) ?? units));
    }
    figures.push(
      `metering (${customers.length} customers): 2xx answers not in Stripe ${lost}, units in Stripe beyond ` +
        `the local ledger ${twice}, calls metered whose answer was lost with a killed instance ${unanswered} ` +
        `(the balancer lost ${cluster.balanced.failed} answers)`,
    );
    expect(lost).toBe(0);
    expect(twice).toBe(0);
    // A call metered just before its instance died has no answer; nothing else may be billed.
    expect(unanswered).toBeLessThanOrEqual(cluster.balanced.failed);
  });
});
