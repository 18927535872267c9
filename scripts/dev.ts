/**
 * `npm run dev [-- -p PORT]`: generate the Prisma client, migrate the database, start the local
 * services for every service that is not configured (DESIGN.md, local mode), then run `next dev` on
 * PORT (default 3000). Beside an app on another port the local services take free ports, so two
 * checkouts run side by side. `--ephemeral` keeps their state in memory and `--skip-generate` skips
 * `prisma generate` (tests); other arguments go to `next dev`.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import { loadConfig } from "@/lib/config/schema";
import { startLocalServices } from "@/dev/start-local-services";
import { localServicePorts, parseDevOptions } from "./lib/dev-options";
import { run } from "./lib/run";

const options = parseDevOptions(process.argv.slice(2), process.env);
// PORT also gives the app its address when APP_BASE_URL is unset (lib/config).
const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", PORT: String(options.port) };
const config = loadConfig(env);

if (!options.skipGenerate) await run("npx", ["prisma", "generate"], env);
const services = await startLocalServices(config, {
  stateFile: options.ephemeral ? null : undefined,
  ports: localServicePorts(options.port, env),
});
for (const line of services.started) console.log(`[local] ${line}`);
// Variables of their own rather than AUTH0_ISSUER or STRIPE_API_URL: a process variable beats
// .env.local in `next dev`, and these can never send a connected service's traffic to a local one.
if (services.urls.issuer) env.TOLLGATE_LOCAL_ISSUER_URL = services.urls.issuer;
if (services.urls.stripe) env.TOLLGATE_LOCAL_STRIPE_URL = services.urls.stripe;
if (services.urls.smtp) env.TOLLGATE_LOCAL_SMTP_URL = services.urls.smtp;
// Imported only now: it needs the client `prisma generate` just wrote.
const { prepareDatabase } = await import("./lib/prepare-database");
await prepareDatabase(env);

// Next's own binary, not `npx next`: npx leaves `next dev` running when it is stopped.
const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
const next = spawn(process.execPath, [nextBin, "dev", "--port", String(options.port), ...options.nextArgs], {
  stdio: "inherit",
  env,
});
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  if (next.exitCode === null && next.signalCode === null) {
    next.kill("SIGTERM");
    const killer = setTimeout(() => next.kill("SIGKILL"), 10_000);
    await once(next, "exit");
    clearTimeout(killer);
  }
  await services.close();
  process.exit(code);
};
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));
next.on("exit", (code) => void stop(code ?? 0));
