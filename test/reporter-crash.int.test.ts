/**
 * The reporter killed with SIGKILL in the middle of a batch, then run again: Stripe's meter totals
 * must equal the served units exactly. The reporter runs as its own process (`npm run report:usage`)
 * against a database on disk (or the PostgreSQL server) and the Stripe sandbox in this process.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStripeSandbox, type StripeSandbox } from "@tollgate/stripe-sandbox";
import { loadConfig } from "@/lib/config/schema";
import { createPrismaClient } from "@/lib/db/client";
import { recordUsage } from "@/lib/metering/record-usage";
import { dropDatabase, freshDatabaseUrl } from "@/scripts/lib/fresh-database";
import { migrateDatabase } from "@/scripts/lib/migrate-database";
import { TEST_BACKEND } from "./database";
import { createUsageMeter } from "./fixtures";

const CUSTOMERS = 100;
const HOURS = 10;
/** Marks the reporter processes of this run, to find any that outlive a kill. */
const RUN = randomUUID();

interface Setup {
  sandbox: StripeSandbox;
  env: NodeJS.ProcessEnv;
  /** Units served per Stripe customer id. */
  served: Map<string, number>;
  close(): Promise<void>;
}

/** A database on disk (or a fresh one on the server) with usage to report, and a sandbox for it. */
async function setup(api: "v1" | "v2"): Promise<Setup> {
  const sandbox = await createStripeSandbox({ port: 0 });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    STRIPE_SECRET_KEY: "",
    STRIPE_API_URL: sandbox.url,
    STRIPE_METER_EVENTS_API: api,
    LOG_LEVEL: "error",
    TOLLGATE_REPORTER_RUN: RUN,
  };
  let pgliteDir: string | undefined;
  if (process.env.DATABASE_URL) {
    env.DATABASE_URL = await freshDatabaseUrl(process.env.DATABASE_URL, "tollgate_crash");
  } else {
    pgliteDir = mkdtempSync(join(tmpdir(), "tollgate-crash-"));
    env.DATABASE_URL = "";
    env.PGLITE_DATA_DIR = pgliteDir;
  }
  await migrateDatabase(env, () => {});

  const stripe = new Stripe("sk_test_tollgate_local", {
    host: "127.0.0.1",
    port: sandbox.port,
    protocol: "http",
  });
  await createUsageMeter(stripe);
  // The database is opened by one process at a time (embedded PGlite): this one, then the reporter's.
  const db = createPrismaClient(loadConfig(env).db);
  const start = Date.now() - HOURS * 3_600_000;
  const served = new Map<string, number>();
  for (let index = 0; index < CUSTOMERS; index++) {
    const stripeCustomer = await stripe.customers.create({ email: `crash-${index}@example.com` });
    const customer = await db.customer.create({
      data: { email: `crash-${index}@example.com`, stripeCustomerId: stripeCustomer.id },
    });
    let units = 0;
    for (let hour = 0; hour < HOURS; hour++) {
      const n = 1 + ((index * 7 + hour * 3) % 11);
      await recordUsage(db, {
        customerId: customer.id,
        meter: "api_units",
        units: n,
        at: new Date(start + hour * 3_600_000),
        periodStart: new Date(0),
      });
      units += n;
    }
    served.set(stripeCustomer.id, units);
  }
  await db.$disconnect();
  return {
    sandbox,
    env,
    served,
    async close() {
      await sandbox.close();
      if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
      else if (env.DATABASE_URL) await dropDatabase(env.DATABASE_URL);
    },
  };
}

/** Deltas not yet acknowledged by Stripe: outbox rows still pending, and counters not yet planned. */
async function unacknowledged(env: NodeJS.ProcessEnv): Promise<number> {
  const db = createPrismaClient(loadConfig(env).db);
  try {
    const pending = await db.usageReport.count({ where: { status: "pending" } });
    const [unplanned] = await db.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM usage_counters WHERE units > reported_units`;
    return pending + Number(unplanned?.n ?? 0);
  } finally {
    await db.$disconnect();
  }
}

/**
 * `npm run report:usage` as one process: node with tsx's loader, not the `tsx` command, which runs the
 * script in a child process that a SIGKILL of the command would leave running on its own.
 */
function reporter(env: NodeJS.ProcessEnv): ReturnType<typeof spawn> {
  return spawn(
    process.execPath,
    ["--conditions=react-server", "--import", "tsx", "scripts/report-usage.ts"],
    { env, stdio: "ignore" },
  );
}

/** Processes started with this run's marker in their environment (Linux: /proc). */
function processesOfThisRun(): number[] {
  if (!existsSync("/proc")) return [];
  const marker = `TOLLGATE_REPORTER_RUN=${RUN}`;
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(marker);
      } catch {
        return false; // gone meanwhile, or not ours to read
      }
    })
    .map(Number);
}

const exited = (child: ReturnType<typeof spawn>) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );

describe.each([
  // v2 sends batches of 100: killed once the first batch has landed, with most still to send.
  ["v2", 100],
  ["v1", 40],
] as const)(`a reporter killed mid-run on ${TEST_BACKEND}, sending through %s`, (api, killAfterEvents) => {
  let context: Setup;
  beforeAll(async () => {
    context = await setup(api);
  }, 120_000);
  afterAll(() => context?.close());

  it("leaves nothing lost and nothing counted twice once it runs again", { timeout: 120_000 }, async () => {
    const { sandbox, env, served } = context;
    const deltas = CUSTOMERS * HOURS;
    const first = reporter(env);
    const firstExit = exited(first);
    while (sandbox.state.meterEvents.length < killAfterEvents) {
      if (first.exitCode !== null) throw new Error("the reporter finished before it could be killed");
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    first.kill("SIGKILL");
    expect((await firstExit).signal).toBe("SIGKILL");
    // Nothing of the reporter carries on (a child process would keep reporting after its parent died).
    // tsx's esbuild service, a child that transforms the script's imports, exits when its pipe to the
    // killed parent closes: a moment after the kill, not at it, so this waits a few seconds for it.
    await expect.poll(processesOfThisRun, { timeout: 5_000, interval: 50 }).toEqual([]);
    const atKill = sandbox.state.meterEvents.length;
    const leftAtKill = await unacknowledged(env);
    expect(leftAtKill).toBeGreaterThan(0); // killed in the middle, not after

    const second = await exited(reporter(env));
    expect(second.code).toBe(0);
    expect(await unacknowledged(env)).toBe(0);

    expect(sandbox.state.meterEvents).toHaveLength(deltas); // each delta accepted once, whatever was resent
    const reported = new Map<string, number>();
    for (const event of sandbox.state.meterEvents) {
      const customer = String(event.payload.stripe_customer_id);
      reported.set(customer, (reported.get(customer) ?? 0) + Number(event.payload.value));
    }
    expect(reported).toEqual(served);
    console.info(
      `Reporter SIGKILL on ${TEST_BACKEND} (${api}): killed with ${atKill} of ${deltas} meter events in Stripe ` +
        `and ${leftAtKill} deltas unacknowledged; the next run left ${deltas} events, one per delta, and ` +
        `reported totals = served units for ${served.size} customers.`,
    );
  });
});
