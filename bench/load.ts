/**
 * Load: `npm run bench:load [-- pglite|postgres ...]`. A production build served by
 * `next start`, first on embedded PGlite, then on a fresh PostgreSQL database; the gated, metered
 * GET /api/v1/widgets called with real Bearer tokens from the local issuer by several customers on
 * the Scale plan (subscribed through the Stripe sandbox's Checkout, recorded by the webhook).
 *
 * 1. Steps: autocannon at a fixed overall rate (bench/lib/fixed-rate.ts) for STEP_SECONDS each, ×1.5
 *    until a step is not sustainable (an unexpected answer, an error, < 95% of the rate achieved, or
 *    p99 ≥ the bound), then bisecting between the last good rate and the lower of the first bad rate
 *    and what that step achieved.
 * 2. Hold: 90% of the highest sustainable rate for HOLD_SECONDS, with the RSS of the process that
 *    listens on the port (the one that serves) read at its start and end.
 * 3. Usage: the reporter is run through the cron route until nothing is left, then the Stripe
 *    sandbox's meter totals for those customers and the database's usage counters are compared with
 *    the 2xx answers the bench received (every metered call it made: seeding, warm-up, steps, hold).
 *
 * Absolute rates depend on the machine: the load generator, the local issuer and the Stripe sandbox
 * run in this process, on the same cores as the server. The JSON states the machine.
 * `DATABASE_URL` names the PostgreSQL server to create the fresh database on (default 127.0.0.1:5432).
 */
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import pg from "pg";
import { createStripeClient } from "@/lib/billing/stripe";
import { API_CALLS_METER } from "@/product/operations";
import { loadConfig } from "@/lib/config/schema";
import { createPrismaClient } from "@/lib/db/client";
import { dropDatabase, freshDatabaseUrl } from "@/scripts/lib/fresh-database";
import { createMachineCustomers, machineToken, type MachineCustomer } from "@/test/cluster/customers";
import { subscribeThroughCheckout } from "@/test/stripe-checkout";
import { paceableRate, runFixedRate, type FixedRateRun } from "./lib/fixed-rate";
import { listeningPid, parentPid, rssKiB } from "./lib/process-memory";
import { formatTable, writeResult, type AreaResult } from "./lib/report";
import { startBenchServer, type BenchServer } from "./lib/server";

const BACKENDS = ["pglite", "postgres"] as const;
type Backend = (typeof BACKENDS)[number];

const PORT = 3200;
const ROUTE = "/api/v1/widgets?limit=5";
const CUSTOMERS = 4;
const WIDGETS_PER_CUSTOMER = 5;
const STEP_SECONDS = 10;
const HOLD_SECONDS = 60;
const HOLD_FRACTION = 0.9;
const P99_BOUND_MS = 200;
const MIN_ACHIEVED = 0.95;
const START_RATE = 64;
const GROWTH = 1.5;
const MAX_STEPS = 10;
/** Bisection stops when the bad rate is within this fraction above the good one. */
const RESOLUTION = 0.1;
const MAX_RSS_GROWTH = 0.1;
const POSTGRES_SERVER = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A fixed-rate run as bench/results/load.json records it. */
interface Step {
  target_rps: number;
  achieved_rps: number;
  answers: number;
  answers_200: number;
  /** Answers with another status, by status. */
  unexpected: Record<string, number>;
  errors: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  elapsed_s: number;
  per_second: number[];
  sustainable: boolean;
  why: string;
}

interface BackendResult {
  backend: Backend;
  customers: number;
  serving_pid: number;
  spawned_pid: number | undefined;
  steps: Step[];
  max_sustainable_rps: number;
  hold: Step & {
    rss_start_kib: number;
    rss_end_kib: number;
    rss_peak_kib: number;
    rss_growth: number;
  };
  usage: {
    served_2xx: number;
    hold_2xx: number;
    stripe_meter_total: number;
    db_counter_units: number;
    db_reported_units: number;
    reporter_runs: number;
  };
}

/** Why a run is not sustainable, or "" when it is. */
function verdict(run: FixedRateRun): string {
  const reasons: string[] = [];
  const unexpected = Object.values(run.unexpected).reduce((sum, n) => sum + n, 0);
  if (unexpected > 0) reasons.push(`${unexpected} unexpected answers ${JSON.stringify(run.unexpected)}`);
  if (run.errors > 0) reasons.push(`${run.errors} errors`);
  if (run.achievedRate < MIN_ACHIEVED * run.targetRate)
    reasons.push(`achieved ${run.achievedRate.toFixed(0)}/s < ${MIN_ACHIEVED * 100}%`);
  if (run.p99Ms >= P99_BOUND_MS) reasons.push(`p99 ${run.p99Ms.toFixed(0)} ms ≥ ${P99_BOUND_MS} ms`);
  return reasons.join("; ");
}

function judge(run: FixedRateRun): Step {
  const why = verdict(run);
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    target_rps: run.targetRate,
    achieved_rps: round(run.achievedRate),
    answers: run.answers,
    answers_200: run.expected,
    unexpected: run.unexpected,
    errors: run.errors,
    p50_ms: round(run.p50Ms),
    p99_ms: round(run.p99Ms),
    max_ms: round(run.maxMs),
    elapsed_s: round(run.elapsedSeconds),
    per_second: run.perSecond,
    sustainable: why === "",
    why,
  };
}

function describe(step: Step): string {
  return (
    `${step.target_rps} req/s: achieved ${step.achieved_rps.toFixed(0)}/s, p50 ${step.p50_ms.toFixed(0)} ms, ` +
    `p99 ${step.p99_ms.toFixed(0)} ms, ${step.answers_200} × 200 → ${step.sustainable ? "sustainable" : step.why}`
  );
}

/**
 * Creates each customer's widgets, waiting for the Scale subscription's webhook to land first (the
 * Free plan refuses writes with 402). Returns the widgets created: each is a metered call.
 */
async function seedWidgets(server: BenchServer, tokens: string[]): Promise<number> {
  let created = 0;
  for (const token of tokens) {
    for (let index = 0; index < WIDGETS_PER_CUSTOMER; index++) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const response = await fetch(`${server.url}/api/v1/widgets`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ name: `load widget ${index}`, size_cm: 10 + index }),
        });
        if (response.status === 201) break;
        const detail = await response.text();
        if (response.status !== 402 || Date.now() > deadline)
          throw new Error(`creating a widget answered ${response.status}: ${detail}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      created += 1;
    }
  }
  return created;
}

/** Runs the reporter through the cron route until it has nothing left to do. */
async function reportAll(server: BenchServer, cronSecret: string): Promise<number> {
  for (let run = 1; run <= 20; run++) {
    const response = await fetch(`${server.url}/api/cron/usage`, {
      headers: { authorization: `Bearer ${cronSecret}` },
    });
    if (!response.ok) throw new Error(`the usage cron answered ${response.status}: ${await response.text()}`);
    const summary = (await response.json()) as Record<string, number>;
    const busy = ["planned", "sent", "duplicates", "failed", "waiting", "expired"].some(
      (key) => (summary[key] ?? 0) > 0,
    );
    if (!busy) return run;
  }
  throw new Error("the reporter still had work after 20 runs");
}

async function stripeMeterTotal(env: NodeJS.ProcessEnv, customers: MachineCustomer[]): Promise<number> {
  const stripe = createStripeClient(loadConfig(env).stripe);
  const meter = (await stripe.billing.meters.list()).data.find((m) => m.event_name === API_CALLS_METER);
  if (!meter) throw new Error(`no ${API_CALLS_METER} meter in the sandbox`);
  const hour = 3_600_000;
  let total = 0;
  for (const customer of customers) {
    const summaries = await stripe.billing.meters.listEventSummaries(meter.id, {
      customer: customer.stripeCustomerId,
      start_time: Math.floor((Date.now() - 48 * hour) / hour) * 3600,
      end_time: Math.ceil((Date.now() + hour) / hour) * 3600,
    });
    total += summaries.data.reduce((sum, summary) => sum + summary.aggregated_value, 0);
  }
  return total;
}

/** The usage counters of those customers, read once the server has exited (PGlite has one owner). */
async function databaseCounters(env: NodeJS.ProcessEnv, customers: MachineCustomer[]) {
  const db = createPrismaClient(loadConfig(env).db);
  try {
    const totals = await db.usageCounter.aggregate({
      where: { customerId: { in: customers.map((customer) => customer.id) }, meter: API_CALLS_METER },
      _sum: { units: true, reportedUnits: true },
    });
    return { units: Number(totals._sum.units ?? 0), reported: Number(totals._sum.reportedUnits ?? 0) };
  } finally {
    await db.$disconnect();
  }
}

async function postgresReachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_SERVER, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function loadBackend(backend: Backend, build: boolean): Promise<BackendResult> {
  const databaseUrl =
    backend === "postgres" ? await freshDatabaseUrl(POSTGRES_SERVER, "tollgate_load") : undefined;
  try {
    return await measureBackend(backend, build, databaseUrl);
  } finally {
    if (databaseUrl) await dropDatabase(databaseUrl);
  }
}

async function measureBackend(
  backend: Backend,
  build: boolean,
  databaseUrl: string | undefined,
): Promise<BackendResult> {
  const cronSecret = randomBytes(24).toString("hex");
  let customers: MachineCustomer[] = [];
  const server = await startBenchServer({
    port: PORT,
    build,
    env: { DATABASE_URL: databaseUrl, CRON_SECRET: cronSecret },
    prepare: async (env) => {
      // Before `next start` opens the database (PGlite has one owner).
      customers = await createMachineCustomers(env, { count: CUSTOMERS, prefix: "load" });
    },
  });
  const exited = server.server.exitCode === null ? once(server.server, "exit") : Promise.resolve();
  let closed = false;
  try {
    const servingPid = listeningPid(PORT);
    if (!servingPid) throw new Error(`no process listens on port ${PORT}`);
    const spawnedPid = server.server.pid;
    console.log(
      `  next start: spawned pid ${spawnedPid}, serving pid ${servingPid} (parent ${parentPid(servingPid)})`,
    );

    const stripe = createStripeClient(loadConfig(server.env).stripe);
    for (const customer of customers)
      await subscribeThroughCheckout(stripe, customer.stripeCustomerId, "scale");
    const tokens = await Promise.all(customers.map((customer) => machineToken(server.env, customer)));
    let served = await seedWidgets(server, tokens);

    const blast = async (rate: number, seconds: number) => {
      const run = await runFixedRate({
        url: `${server.url}${ROUTE}`,
        rate,
        seconds,
        expectedStatus: 200,
        headersFor: (lane) => ({ authorization: `Bearer ${tokens[lane % tokens.length]}` }),
      });
      served += run.expected;
      return judge(run);
    };

    console.log(`  warm-up: ${describe(await blast(48, 5))}`);
    const steps: Step[] = [];
    let good = 0;
    let bad = Number.POSITIVE_INFINITY;
    // A step that fell short still tells how much the server did: no rate above that is worth a try.
    let ceiling = Number.POSITIVE_INFINITY;
    let rate = paceableRate(START_RATE);
    while (steps.length < MAX_STEPS) {
      const step = await blast(rate, STEP_SECONDS);
      steps.push(step);
      console.log(`  step ${steps.length}: ${describe(step)}`);
      if (step.sustainable) good = Math.max(good, rate);
      else {
        bad = Math.min(bad, rate);
        ceiling = Math.min(ceiling, step.achieved_rps);
      }
      if (!Number.isFinite(bad)) {
        rate = paceableRate(rate * GROWTH);
        continue;
      }
      const top = Math.min(bad, ceiling);
      if (top - good <= good * RESOLUTION) break;
      rate = paceableRate((good + top) / 2);
      if (rate <= good || rate >= bad) break; // nothing left to tell apart at this pacing
    }
    if (good === 0) throw new Error(`no sustainable rate found on ${backend}`);

    const holdRate = Math.min(good, paceableRate(good * HOLD_FRACTION));
    const rssStart = rssKiB(servingPid);
    let rssPeak = rssStart;
    const sampler = setInterval(() => {
      try {
        rssPeak = Math.max(rssPeak, rssKiB(servingPid));
      } catch {
        // the server died: the hold's errors say so
      }
    }, 1_000);
    const hold = await blast(holdRate, HOLD_SECONDS).finally(() => clearInterval(sampler));
    const rssEnd = rssKiB(servingPid);
    rssPeak = Math.max(rssPeak, rssEnd);
    console.log(`  hold: ${describe(hold)}; RSS ${rssStart} → ${rssEnd} KiB (peak ${rssPeak})`);
    console.log(`  hold answers per second: ${hold.per_second.join(" ")}`);

    const reporterRuns = await reportAll(server, cronSecret);
    const stripeTotal = await stripeMeterTotal(server.env, customers);
    await server.close();
    closed = true;
    await exited;
    const counters = await databaseCounters(server.env, customers);
    return {
      backend,
      customers: customers.length,
      serving_pid: servingPid,
      spawned_pid: spawnedPid,
      steps,
      max_sustainable_rps: good,
      hold: {
        ...hold,
        rss_start_kib: rssStart,
        rss_end_kib: rssEnd,
        rss_peak_kib: rssPeak,
        rss_growth: rssEnd / rssStart - 1,
      },
      usage: {
        served_2xx: served,
        hold_2xx: hold.answers_200,
        stripe_meter_total: stripeTotal,
        db_counter_units: counters.units,
        db_reported_units: counters.reported,
        reporter_runs: reporterRuns,
      },
    };
  } finally {
    if (!closed) {
      await server.close();
      await exited;
    }
  }
}

/** Runs the load benchmark on the requested backends (both by default). */
export async function benchLoad(requested: readonly Backend[]): Promise<AreaResult> {
  const results: Partial<Record<Backend, BackendResult>> = {};
  const skipped: Partial<Record<Backend, string>> = {};
  let built = false;
  for (const backend of requested) {
    if (backend === "postgres") {
      const unreachable = await postgresReachable();
      if (unreachable) {
        skipped.postgres = `PostgreSQL at ${new URL(POSTGRES_SERVER).host} unreachable: ${unreachable}`;
        console.log(`\n▶ load: postgres skipped (${skipped.postgres})`);
        continue;
      }
    }
    console.log(`\n▶ load: ${backend}`);
    results[backend] = await loadBackend(backend, !built);
    built = true;
  }

  const table: AreaResult["table"] = [];
  const ratios: Record<string, number> = {};
  const targets: NonNullable<AreaResult["targets"]> = [];
  for (const result of Object.values(results)) {
    const { backend, hold, usage } = result;
    const unexpected = Object.values(hold.unexpected).reduce((sum, n) => sum + n, 0) + hold.errors;
    table.push(
      [`${backend}: highest sustainable rate`, result.max_sustainable_rps, "req/s"],
      [`${backend}: hold rate (${HOLD_SECONDS} s)`, hold.target_rps, "req/s"],
      [`${backend}: hold achieved`, hold.achieved_rps, "req/s"],
      [`${backend}: hold requests (2xx)`, hold.answers_200, "count"],
      [`${backend}: hold unexpected non-2xx and errors`, unexpected, "count"],
      [`${backend}: hold p50`, hold.p50_ms, "ms"],
      [`${backend}: hold p99`, hold.p99_ms, "ms"],
      [`${backend}: RSS at hold start`, hold.rss_start_kib / 1024, "MiB"],
      [`${backend}: RSS at hold end`, hold.rss_end_kib / 1024, "MiB"],
      [`${backend}: 2xx answers, whole run`, usage.served_2xx, "count"],
      [`${backend}: Stripe meter totals`, usage.stripe_meter_total, "units"],
      [`${backend}: database usage counters`, usage.db_counter_units, "units"],
    );
    ratios[`${backend}_hold_achieved_vs_target`] = hold.achieved_rps / hold.target_rps;
    ratios[`${backend}_rss_growth`] = hold.rss_growth;
    ratios[`${backend}_reported_vs_served`] = usage.stripe_meter_total / usage.served_2xx;
    targets.push(
      {
        name: `${backend}: hold sustainable (every answer 200, ≥ ${MIN_ACHIEVED * 100}% of the rate, p99 < ${P99_BOUND_MS} ms)`,
        ok: hold.sustainable,
        detail: hold.sustainable ? `${hold.target_rps} req/s` : hold.why,
      },
      {
        name: `${backend}: RSS growth over the hold ≤ ${MAX_RSS_GROWTH * 100}%`,
        ok: hold.rss_growth <= MAX_RSS_GROWTH,
        detail: `${(hold.rss_growth * 100).toFixed(1)}%`,
      },
      {
        name: `${backend}: Stripe meter totals = database counters = 2xx answers`,
        ok:
          usage.stripe_meter_total === usage.served_2xx &&
          usage.db_counter_units === usage.served_2xx &&
          usage.db_reported_units === usage.served_2xx,
        detail: `${usage.stripe_meter_total} = ${usage.db_counter_units} (reported ${usage.db_reported_units}) = ${usage.served_2xx}`,
      },
    );
  }
  if (results.pglite && results.postgres)
    ratios.postgres_vs_pglite_sustainable_rate =
      results.postgres.max_sustainable_rps / results.pglite.max_sustainable_rps;

  return {
    area: "load",
    results: {
      route: `GET ${ROUTE}`,
      customers: CUSTOMERS,
      plan: "scale",
      step_seconds: STEP_SECONDS,
      hold_seconds: HOLD_SECONDS,
      hold_fraction: HOLD_FRACTION,
      p99_bound_ms: P99_BOUND_MS,
      min_achieved: MIN_ACHIEVED,
      ...results,
      ...(Object.keys(skipped).length > 0 ? { skipped } : {}),
    },
    ratios,
    table,
    targets,
  };
}

const requested = process.argv.slice(2).filter((arg) => arg !== "--");
const unknown = requested.filter((arg) => !(BACKENDS as readonly string[]).includes(arg));
if (unknown.length > 0) {
  console.error(`Unknown backend(s): ${unknown.join(", ")}. Backends: ${BACKENDS.join(", ")}`);
  process.exit(2);
}
const backends = BACKENDS.filter((backend) => requested.length === 0 || requested.includes(backend));
const result = await benchLoad(backends);
const path = writeResult(result);
const skipped = (result.results.skipped ?? {}) as Record<string, string>;
const notes = Object.entries(skipped).map(([backend, reason]) => `\n– ${backend} skipped: ${reason}`);
console.log(`\n${formatTable(result)}\n${notes.join("")}\n\n(written to ${path})`);
process.exit(result.targets?.every((target) => target.ok) ? 0 : 1);
