/**
 * `npm test`: every suite, with what it needs set up first. Unit and integration tests run on embedded
 * PGlite, or on the PostgreSQL server in DATABASE_URL when set (each test file gets its own fresh
 * database there); then the browser tests run against a production build on a fresh database.
 */
import { rmSync } from "node:fs";
import { ensureBrowser } from "./lib/browser";
import { freshDatabaseUrl } from "./lib/fresh-database";
import { run } from "./lib/run";

const started = Date.now();
const E2E_PORT = 3100;
const step = (name: string) => console.log(`\n▶ ${name} (${Math.round((Date.now() - started) / 1000)} s)`);
const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const backend = env.DATABASE_URL ? `PostgreSQL (${new URL(env.DATABASE_URL).host})` : "PGlite";

step(`Generating the Prisma client; tests run on ${backend}`);
await run("npx", ["prisma", "generate"], env);

step("Checking for a browser");
ensureBrowser();

step("Unit and integration tests (vitest)");
await run("npx", ["vitest", "run"], env);

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
const { startLocalServices } = await import("@/dev/start-local-services");
const { loadConfig } = await import("@/lib/config/schema");
const services = await startLocalServices(loadConfig(e2eEnv), { stateFile: null });
try {
  const { prepareDatabase } = await import("./lib/prepare-database");
  await prepareDatabase(e2eEnv);
  await run("npx", ["playwright", "test"], { ...e2eEnv, E2E_PORT: String(E2E_PORT) });
} finally {
  await services.close();
}

console.log(`\n✔ All tests passed on ${backend} in ${Math.round((Date.now() - started) / 1000)} s`);
