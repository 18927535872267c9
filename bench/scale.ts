/**
 * Production at scale on one machine: `npm run bench -- scale`. Builds the app when no build is there,
 * and needs the PostgreSQL server of DATABASE_URL (default 127.0.0.1:5432) and Redis (REDIS_URL,
 * default 127.0.0.1:6379).
 *
 * 1. Reporter: 10,000 customers active in the same hour, reported by one run through Stripe's v2
 *    meter event stream and, side by side on the next hour, through v1: events per minute, and
 *    Stripe's totals against the counters.
 * 2. Cluster: three `next start` instances on one database and Redis behind a round-robin balancer:
 *    a quota cap under a burst, the rate limit against its figure, throughput through three instances
 *    against one (alternating runs), and an instance SIGKILLed mid-load, with every 2xx answer
 *    checked against Stripe's meter and the local ledger.
 */
import { existsSync } from "node:fs";
import autocannon from "autocannon";
import Stripe from "stripe";
import { createStripeSandbox } from "@tollgate/stripe-sandbox";
import { createMeter, sdkFor } from "@tollgate/stripe-sandbox/testing";
import { API_CALLS_METER } from "@/product/operations";
import { PLANS } from "@/lib/billing/plans";
import { createStripeClient } from "@/lib/billing/stripe";
import { loadConfig } from "@/lib/config/schema";
import { createPrismaClient, type Database } from "@/lib/db/client";
import { reportUsage, type ReportSummary } from "@/lib/metering/report-usage";
import { calendarMonth } from "@/lib/metering/usage-window";
import { dropDatabase, freshDatabaseUrl } from "@/scripts/lib/fresh-database";
import { migrateDatabase } from "@/scripts/lib/migrate-database";
import { poolerUnavailable, startPooler } from "@/scripts/lib/pgbouncer";
import { run } from "@/scripts/lib/run";
import { startCluster, type Cluster } from "@/test/cluster/cluster";
import { createMachineCustomers, machineToken, type MachineCustomer } from "@/test/cluster/customers";
import {
  capScenario,
  killScenario,
  rateLimitScenario,
  stripeUnits,
  type Served,
} from "@/test/cluster/scenarios";
import { givePlan } from "@/test/fixtures";
import { median } from "./lib/measure";
import type { AreaResult } from "./lib/report";

const POSTGRES_SERVER = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const ACTIVE_CUSTOMERS = 10_000;
const INSTANCES = 3;
const RATE_LIMIT_SCALE = 8;
const CAP_REMAINING = 25;
const THROUGHPUT_ROUNDS = 4;
const THROUGHPUT_SECONDS = 8;

/** One reporter run over ACTIVE_CUSTOMERS customers' counters in one hour, through `api`. */
async function reporterRun(db: Database, stripe: Stripe, api: "v2" | "v1", hourStart: Date) {
  await db.$executeRaw`
    INSERT INTO usage_counters (customer_id, meter, window_start, units, reported_units, updated_at)
    SELECT id, ${API_CALLS_METER}, ${hourStart}, 1 + (abs(hashtext(id::text)) % 50), 0, now() FROM customers`;
  const started = performance.now();
  const summary: ReportSummary = await reportUsage(db, stripe, { api, deadline: Date.now() + 600_000 });
  const seconds = (performance.now() - started) / 1000;
  return { api, summary, seconds, events_per_minute: (summary.sent / seconds) * 60 };
}

async function benchReporter() {
  const databaseUrl = await freshDatabaseUrl(POSTGRES_SERVER, "tollgate_scale_reporter");
  const sandbox = await createStripeSandbox({ port: 0 });
  const stripe = sdkFor(sandbox);
  const db = createPrismaClient({ kind: "postgres", url: databaseUrl });
  try {
    await migrateDatabase({ ...process.env, DATABASE_URL: databaseUrl }, () => {});
    await createMeter(stripe, API_CALLS_METER);
    // Stripe customers exist before their usage is reported (the stream drops unknown ones).
    console.log(`  creating ${ACTIVE_CUSTOMERS} customers in the sandbox and the database ...`);
    const ids: string[] = [];
    const queue = Array.from({ length: ACTIVE_CUSTOMERS }, (_, index) => index).values();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (const index of queue)
          ids[index] = (await stripe.customers.create({ email: `scale-${index}@example.com` })).id;
      }),
    );
    await db.$executeRaw`
      INSERT INTO customers (id, email, stripe_customer_id, updated_at)
      SELECT gen_random_uuid(), 'scale-' || n || '@example.com', stripe_id, now()
      FROM unnest(${ids}::text[]) WITH ORDINALITY AS t(stripe_id, n)`;
    const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const v2 = await reporterRun(db, stripe, "v2", new Date(hour - 3_600_000));
    console.log(`  v2: ${v2.summary.sent} events in ${v2.seconds.toFixed(1)} s`);
    const v1 = await reporterRun(db, stripe, "v1", new Date(hour - 2 * 3_600_000));
    console.log(`  v1: ${v1.summary.sent} events in ${v1.seconds.toFixed(1)} s`);
    const [counted] = await db.$queryRaw<{ units: bigint }[]>`SELECT sum(units) AS units FROM usage_counters`;
    const inStripe = sandbox.state.meterEvents.reduce((sum, event) => sum + Number(event.payload.value), 0);
    return { v2, v1, counter_units: Number(counted?.units ?? 0), stripe_units: inStripe };
  } finally {
    await db.$disconnect();
    await sandbox.close();
    await dropDatabase(databaseUrl);
  }
}

/** Requests per second of GET /api/v1/widgets through the balancer, as autocannon measures them. */
async function throughput(cluster: Cluster, tokens: string[], seconds = THROUGHPUT_SECONDS): Promise<number> {
  const result = await autocannon({
    url: cluster.url,
    connections: 24,
    duration: seconds,
    requests: tokens.map((token) => ({
      method: "GET" as const,
      path: "/api/v1/widgets?limit=5",
      headers: { authorization: `Bearer ${token}` },
    })),
  });
  if (result.non2xx > 0) throw new Error(`${result.non2xx} answers other than 2xx in the throughput run`);
  return result.requests.average;
}

async function benchCluster() {
  const databaseUrl = await freshDatabaseUrl(POSTGRES_SERVER, "tollgate_scale");
  // Through a transaction pooler where PgBouncer is installed, as production databases are reached.
  const pooler = poolerUnavailable() ? null : await startPooler(POSTGRES_SERVER);
  const served: Served = new Map();
  let free: MachineCustomer[] = [];
  let scale: MachineCustomer[] = [];
  const cluster = await startCluster({
    instances: INSTANCES,
    databaseUrl,
    pooledDatabaseUrl: pooler?.pooled(databaseUrl),
    redisUrl: REDIS_URL,
    logDir: "test-results/bench-scale",
    env: {
      LOG_LEVEL: "warn",
      RATE_LIMIT_SCALE: String(RATE_LIMIT_SCALE),
      USAGE_REPORT_INTERVAL_SECONDS: "5",
      USAGE_REPORT_BUDGET_SECONDS: "10",
    },
    async prepare(env) {
      free = await createMachineCustomers(env, { count: 2, prefix: "scale-free" });
      scale = await createMachineCustomers(env, { count: 8, prefix: "scale-paid" });
      const db = createPrismaClient(loadConfig(env).db);
      for (const each of scale) await givePlan(db, each.id, "scale");
      await db.quotaCounter.create({
        data: {
          customerId: free[0]?.id ?? "",
          meter: API_CALLS_METER,
          periodStart: calendarMonth(new Date()).start,
          units: (PLANS.free.limits.hardCapUnits ?? 0) - CAP_REMAINING,
        },
      });
      await db.$disconnect();
    },
  });
  try {
    const withToken = async (each: MachineCustomer) => ({
      ...each,
      token: await machineToken(cluster.env, each),
    });
    const [capper, limited] = await Promise.all(free.map(withToken));
    const paid = await Promise.all(scale.map(withToken));
    if (!capper || !limited) throw new Error("no free customers");

    console.log("  burst against a quota cap, rate limit ...");
    const cap = await capScenario(
      cluster,
      capper,
      { cap: PLANS.free.limits.hardCapUnits ?? 0, remaining: CAP_REMAINING, burst: 300 },
      served,
    );
    const points = PLANS.free.limits.rateLimit.points * RATE_LIMIT_SCALE;
    const rate = await rateLimitScenario(cluster, limited, { points, seconds: 10, concurrency: 16 }, served);

    console.log("  throughput through 3 instances and through 1, alternating ...");
    const tokens = paid.map((each) => each.token);
    await throughput(cluster, tokens, 3); // warm-up: every instance compiles its paths and fills its caches
    const runs: Record<"one" | "three", number[]> = { one: [], three: [] };
    for (let round = 0; round < THROUGHPUT_ROUNDS; round++) {
      for (const which of round % 2 === 0 ? (["three", "one"] as const) : (["one", "three"] as const)) {
        cluster.balanceOver(which === "one" ? 1 : INSTANCES);
        runs[which].push(await throughput(cluster, tokens));
      }
    }
    cluster.balanceOver(INSTANCES);
    // autocannon counts 2xx answers, not per customer: the meter is checked over the kill phase,
    // from a drained starting point.
    console.log("  killing an instance mid-load ...");
    const before = await meterState(cluster, paid);
    const kill = await killScenario(
      cluster,
      paid,
      { seconds: 10, killAfterMs: 3_000, perCustomer: 3 },
      served,
    );
    const metering = await settle(cluster, paid, served, before);
    return {
      cap,
      rate,
      throughput: {
        one: runs.one,
        three: runs.three,
        one_median: median(runs.one),
        three_median: median(runs.three),
      },
      kill,
      metering,
      lostAnswersAtBalancer: cluster.balanced.failed,
      pooled: pooler !== null,
    };
  } finally {
    await cluster.close();
    await pooler?.close();
    await dropDatabase(databaseUrl);
  }
}

/** Stripe's units and the local ledger for each customer before the measured phase. */
async function meterState(cluster: Cluster, customers: MachineCustomer[]) {
  await drain(cluster);
  return ledger(cluster, customers);
}

async function drain(cluster: Cluster): Promise<void> {
  const config = loadConfig(cluster.env);
  const db = createPrismaClient(config.db);
  try {
    for (let run = 0; run < 20; run++) {
      const summary = await reportUsage(db, createStripeClient(config.stripe), { api: "v2" });
      if (summary.drained && summary.failed === 0 && summary.planned === 0) return;
    }
  } finally {
    await db.$disconnect();
  }
}

async function ledger(cluster: Cluster, customers: MachineCustomer[]) {
  const config = loadConfig(cluster.env);
  const stripe = createStripeClient(config.stripe);
  const db = createPrismaClient(config.db);
  try {
    const sums = await db.usageCounter.groupBy({ by: ["customerId"], _sum: { units: true } });
    const local = new Map(sums.map((sum) => [sum.customerId, Number(sum._sum.units ?? 0)]));
    return new Map(
      await Promise.all(
        customers.map(
          async (each) =>
            [
              each.id,
              { stripe: await stripeUnits(stripe, each.stripeCustomerId), local: local.get(each.id) ?? 0 },
            ] as const,
        ),
      ),
    );
  } finally {
    await db.$disconnect();
  }
}

/** After the kill: everything reported, then 2xx answers against Stripe and Stripe against the ledger. */
async function settle(
  cluster: Cluster,
  customers: MachineCustomer[],
  served: Served,
  before: Awaited<ReturnType<typeof ledger>>,
) {
  await drain(cluster);
  const after = await ledger(cluster, customers);
  let lost = 0;
  let doubled = 0;
  let unanswered = 0;
  let answered = 0;
  for (const each of customers) {
    const was = before.get(each.id) ?? { stripe: 0, local: 0 };
    const now = after.get(each.id) ?? { stripe: 0, local: 0 };
    const billed = now.stripe - was.stripe;
    const ok = served.get(each.id) ?? 0;
    answered += ok;
    lost += Math.max(0, ok - billed);
    unanswered += Math.max(0, billed - ok);
    doubled += Math.max(0, now.stripe - now.local);
  }
  return {
    answered_2xx: answered,
    lost_units: lost,
    double_billed_units: doubled,
    billed_without_answer: unanswered,
  };
}

/** Runs the scale benchmark. */
export async function benchScale(): Promise<AreaResult> {
  if (!existsSync(".next/BUILD_ID"))
    await run("npx", ["next", "build"], { ...process.env, NODE_ENV: "production" });
  console.log("  reporter: 10,000 customers in one hour");
  const reporter = await benchReporter();
  console.log("  cluster: 3 instances, PostgreSQL, Redis");
  const cluster = await benchCluster();
  const ratios = {
    instances: INSTANCES,
    cap_overshoot: cluster.cap.overshoot,
    lost_units: cluster.metering.lost_units,
    double_billed_units: cluster.metering.double_billed_units,
    reporter_events_per_minute: Math.round(reporter.v2.events_per_minute),
    rate_limit_error: cluster.rate.error,
    throughput_3_instances_vs_1: cluster.throughput.three_median / cluster.throughput.one_median,
  };
  return {
    area: "scale",
    results: { reporter, cluster },
    ratios,
    table: [
      ["reporter run, v2 stream: events", reporter.v2.summary.sent, "events"],
      ["reporter run, v2 stream: time", reporter.v2.seconds, "s"],
      ["reporter run, v1 fallback: events per minute", reporter.v1.events_per_minute, "events/min"],
      ["Stripe units = counter units", reporter.stripe_units === reporter.counter_units ? 1 : 0, "1 = yes"],
      ["burst of 300 with 25 units left: admitted", cluster.cap.admitted, "calls"],
      ["rate limit: full windows counted", cluster.rate.counted, "windows"],
      ["rate limit: admitted / expected in them", cluster.rate.admitted / cluster.rate.expected, "ratio"],
      ["GET /api/v1/widgets through 1 instance", cluster.throughput.one_median, "req/s"],
      ["GET /api/v1/widgets through 3 instances", cluster.throughput.three_median, "req/s"],
      ["kill: 2xx answers during the run", cluster.kill.served, "calls"],
      ["kill: answers lost with the instance", cluster.kill.lostAnswers, "calls"],
      ["kill: metered calls whose answer was lost", cluster.metering.billed_without_answer, "calls"],
    ],
    targets: [
      { name: "cap_overshoot = 0", ok: ratios.cap_overshoot === 0, detail: String(ratios.cap_overshoot) },
      { name: "lost_units = 0", ok: ratios.lost_units === 0, detail: String(ratios.lost_units) },
      {
        name: "double_billed_units = 0",
        ok: ratios.double_billed_units === 0,
        detail: String(ratios.double_billed_units),
      },
      {
        name: "reporter_events_per_minute ≥ 10,000",
        ok: ratios.reporter_events_per_minute >= 10_000,
        detail: String(ratios.reporter_events_per_minute),
      },
      {
        name: "rate_limit_error ≤ 0.1",
        ok: ratios.rate_limit_error <= 0.1,
        detail: ratios.rate_limit_error.toFixed(3),
      },
    ],
  };
}
