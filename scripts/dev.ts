/**
 * `npm run dev`: generate the Prisma client, migrate the database, start the local services for every
 * service that is not configured (DESIGN.md, local mode), then run `next dev` on port 3000.
 */
import { spawn } from "node:child_process";
import { loadConfig } from "@/lib/config/schema";
import { LOCAL } from "@/lib/config/local-defaults";
import { startLocalServices } from "@/dev/start-local-services";
import { run } from "./lib/run";

const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
const config = loadConfig(env);

await run("npx", ["prisma", "generate"], env);
const services = await startLocalServices(config);
for (const line of services.started) console.log(`[local] ${line}`);
// Imported only now: it needs the client `prisma generate` just wrote.
const { prepareDatabase } = await import("./lib/prepare-database");
await prepareDatabase(env);

const next = spawn("npx", ["next", "dev", "--port", String(new URL(LOCAL.appBaseUrl).port)], {
  stdio: "inherit",
  env,
});
const stop = async () => {
  next.kill("SIGTERM");
  await services.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
next.on("exit", async (code) => {
  await services.close();
  process.exit(code ?? 0);
});
