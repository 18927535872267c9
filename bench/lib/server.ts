import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { loadConfig } from "@/lib/config/schema";
import { localProductionSecrets } from "@/dev/production-secrets";
import { startLocalServices, type LocalServices } from "@/dev/start-local-services";
import { waitForHealth } from "@/scripts/lib/system";
import { BENCH_APP_DIR, buildBenchApp } from "./bench-app";

export interface BenchServer {
  url: string;
  env: NodeJS.ProcessEnv;
  server: ChildProcess;
  services: LocalServices;
  close(): Promise<void>;
}

/**
 * A production build served by `next start` on a fresh embedded database (or DATABASE_URL's server),
 * with the local issuer running, as a user's `npm run build && npm start` would be. What is built and
 * served is the bench's own copy of the app, which adds the reference routes (bench/lib/bench-app.ts).
 */
export async function startBenchServer(
  options: {
    port?: number;
    /** false: serve the copy the previous run built. */
    build?: boolean;
    /** Variables added to (or, when undefined, removed from) the server's environment. */
    env?: Record<string, string | undefined>;
    /** Runs once the database is prepared and the local services are up, before `next start`. */
    prepare?: (env: NodeJS.ProcessEnv) => Promise<void>;
  } = {},
): Promise<BenchServer> {
  const port = options.port ?? 3200;
  const url = `http://localhost:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NEXT_TELEMETRY_DISABLED: "1",
    TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION: "1",
    ...localProductionSecrets(),
    LOG_LEVEL: "warn",
    // Measure the gate and metering, not the demo plans' rate limits (5 to 100 calls a second).
    RATE_LIMIT_SCALE: "1000",
    APP_BASE_URL: url,
    ...options.env,
  };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  if (!env.DATABASE_URL) {
    // Absolute: the bench prepares the database from here, `next start` opens it from BENCH_APP_DIR.
    env.PGLITE_DATA_DIR = resolve(".data/bench");
    rmSync(env.PGLITE_DATA_DIR, { recursive: true, force: true });
  }
  if (options.build !== false) buildBenchApp(env);
  const services = await startLocalServices(loadConfig(env), { stateFile: null });
  const { prepareDatabase } = await import("@/scripts/lib/prepare-database");
  await prepareDatabase(env);
  await options.prepare?.(env);

  const server = spawn("node_modules/.bin/next", ["start", "--port", String(port)], {
    cwd: BENCH_APP_DIR,
    env,
    stdio: ["ignore", "ignore", "inherit"],
  });
  await waitForHealth(url, server, { timeoutMs: 60_000 });
  return {
    url,
    env,
    server,
    services,
    async close() {
      server.kill("SIGTERM");
      await services.close();
    },
  };
}
