/**
 * `npm test`: every suite, with what it needs set up first. Unit and integration tests run on embedded
 * PGlite, or on the PostgreSQL server in DATABASE_URL when set (each test file gets its own fresh
 * database there); then the browser tests run against a production build on a fresh database, and
 * the multi-instance tests against several `next start` instances of that build (one on PGlite).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { DEMO_API_KEY, DEMO_MACHINE_CLIENTS } from "@/dev/demo-data";
import { localProductionSecrets } from "@/dev/production-secrets";
import type { Config } from "@/lib/config/schema";
import { ensureBrowser } from "./lib/browser";
import { freshDatabaseUrl } from "./lib/fresh-database";
import { run } from "./lib/run";
import { countLogLines, scanLog, type KnownSecret } from "./lib/scan-logs";

const started = Date.now();
const E2E_PORT = 3100;
const step = (name: string) => console.log(`\n▶ ${name} (${Math.round((Date.now() - started) / 1000)} s)`);
const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const backend = env.DATABASE_URL ? `PostgreSQL (${new URL(env.DATABASE_URL).host})` : "PGlite";
// Everything the run prints is kept here for the log scan at the end; the app's JSON log lines go
// only to these files (scripts/lib/run.ts), so the terminal shows test results.
const LOGS = {
  vitest: "test-results/vitest.log",
  e2eServer: "test-results/e2e-server.log",
  playwright: "test-results/playwright.log",
  cluster: "test-results/cluster.log",
};
/** Where the multi-instance tests keep each `next start` instance's output. */
const CLUSTER_LOGS = "test-results/cluster";
mkdirSync("test-results", { recursive: true });
for (const file of Object.values(LOGS)) rmSync(file, { force: true });
rmSync(CLUSTER_LOGS, { recursive: true, force: true });

step(`Generating the Prisma client; tests run on ${backend}`);
await run("npx", ["prisma", "generate"], env);

step("Checking for a browser");
ensureBrowser();

step("Unit and integration tests (vitest)");
// At info, every refusal and webhook is logged, so the log scan sees what production would log.
await run("npx", ["vitest", "run"], { ...env, LOG_LEVEL: "info" }, { logFile: LOGS.vitest });

step("Production build for the browser tests");
await run("npx", ["next", "build"], env);

step("Browser tests (Playwright) on a fresh database");
const e2eEnv: NodeJS.ProcessEnv = { ...env };
if (env.DATABASE_URL) {
  e2eEnv.DATABASE_URL = await freshDatabaseUrl(env.DATABASE_URL, "tollgate_e2e");
} else {
  e2eEnv.PGLITE_DATA_DIR = ".data/e2e";
  rmSync(e2eEnv.PGLITE_DATA_DIR, { recursive: true, force: true });
}
// The local issuer and Stripe sandbox run in this process for the browser tests; the sandbox sends
// its webhooks to the e2e server.
e2eEnv.APP_BASE_URL = `http://localhost:${E2E_PORT}`;
// A production build on the local services refuses their published secrets: fresh ones, shared with
// the sandbox started below (it signs webhooks with the same secret).
Object.assign(e2eEnv, localProductionSecrets());
const { startLocalServices } = await import("@/dev/start-local-services");
const { loadConfig } = await import("@/lib/config/schema");
const e2eConfig = loadConfig(e2eEnv);
const services = await startLocalServices(e2eConfig, { stateFile: null });
let issuedSecrets: string[] = [];
try {
  const { prepareDatabase } = await import("./lib/prepare-database");
  await prepareDatabase(e2eEnv);
  await run(
    "npx",
    ["playwright", "test"],
    { ...e2eEnv, E2E_PORT: String(E2E_PORT), E2E_SERVER_LOG: LOGS.e2eServer, LOG_LEVEL: "debug" },
    { logFile: LOGS.playwright },
  );
} finally {
  issuedSecrets = services.issuedSecrets();
  await services.close();
}

step(
  env.DATABASE_URL
    ? "Three instances on one PostgreSQL database and Redis, behind a round-robin balancer"
    : "One instance on PGlite (it owns its files) behind a balancer: the same checks as on several",
);
// After the browser tests: the cluster starts the local issuer and Stripe sandbox on the same ports.
await run(
  "npx",
  ["vitest", "run", "--config", "vitest.cluster.config.ts"],
  { ...env, LOG_LEVEL: "info" },
  { logFile: LOGS.cluster },
);

step("Scanning the run's logs for tokens, secrets and webhook bodies");
scanLogs(knownSecrets(e2eConfig, issuedSecrets));

console.log(`\n✔ All tests passed on ${backend} in ${Math.round((Date.now() - started) / 1000)} s`);

function knownSecrets(config: Config, issued: string[]): KnownSecret[] {
  return [
    { name: "AUTH0_CLIENT_SECRET", value: config.auth.clientSecret },
    { name: "AUTH0_SECRET (session)", value: config.auth.sessionSecret },
    { name: "AUTH0_MANAGEMENT_CLIENT_SECRET", value: config.auth.managementClientSecret },
    { name: "STRIPE_SECRET_KEY", value: config.stripe.secretKey },
    { name: "STRIPE_WEBHOOK_SECRET", value: config.stripe.webhookSecret },
    { name: "CRON_SECRET", value: config.cronSecret ?? "" },
    ...DEMO_MACHINE_CLIENTS.map((client) => ({ name: "demo client secret", value: client.clientSecret })),
    { name: "demo API key", value: DEMO_API_KEY.key },
    ...issued.map((value) => ({ name: "client secret issued during the run", value })),
  ];
}

function scanLogs(secrets: KnownSecret[]): void {
  const files = [
    ...Object.values(LOGS),
    ...readdirSync(CLUSTER_LOGS).map((name) => `${CLUSTER_LOGS}/${name}`),
  ];
  const findings = files.flatMap((file) => scanLog(file, readFileSync(file, "utf8"), secrets));
  const server = countLogLines(readFileSync(LOGS.e2eServer, "utf8"));
  const tests = countLogLines(readFileSync(LOGS.vitest, "utf8"));
  console.log(
    `  ${server.lines} log lines from the e2e server (${server.withRequestId} with a request id), ` +
      `${tests.lines} from the vitest run, ${secrets.length} known secrets searched for`,
  );
  // A scan of logs that hold nothing would pass whatever the code logs: insist on real traffic.
  if (server.lines < 10 || server.withRequestId === 0 || tests.lines < 10) {
    throw new Error("The logs hold too few structured lines for the scan to mean anything.");
  }
  if (findings.length > 0) {
    for (const finding of findings) console.error(`  ✗ ${finding.file}:${finding.line}: ${finding.kind}`);
    throw new Error(`${findings.length} credential(s) found in the logs (kinds and lines above).`);
  }
}
