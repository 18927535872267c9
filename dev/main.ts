/**
 * `tsx --conditions=react-server dev/main.ts [--ephemeral]`: the local services the configuration
 * leaves unset, in the foreground, until interrupted, at TOLLGATE_LOCAL_ISSUER_URL,
 * TOLLGATE_LOCAL_STRIPE_URL and TOLLGATE_LOCAL_SMTP_URL (default ports 4010, 4020 and 4025, the
 * mail catcher's page on 4026). `--ephemeral` keeps no state on disk
 * (tests). `npm run dev` starts the same services in its own process.
 */
import { loadConfig } from "../lib/config/schema";
import { startLocalServices } from "./start-local-services";

const services = await startLocalServices(loadConfig(process.env), {
  stateFile: process.argv.includes("--ephemeral") ? null : undefined,
});
for (const line of services.started) console.log(`[local] ${line}`);

const stop = async () => {
  await services.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
