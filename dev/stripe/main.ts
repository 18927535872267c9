/**
 * `tsx dev/stripe/main.ts [--fresh] [--webhook-url URL] [--event-destination-url URL]`: the local
 * Stripe sandbox at TOLLGATE_LOCAL_STRIPE_URL (default http://localhost:4020), delivering webhooks to
 * the app (default `${APP_BASE_URL}/api/stripe/webhook`) signed with LOCAL.stripeWebhookSecret and thin
 * events to its event destination (default `${APP_BASE_URL}/api/stripe/events`) signed with
 * LOCAL.stripeEventDestinationSecret, keeping its state in .data/stripe/ across restarts.
 */
import { rmSync } from "node:fs";
import { LOCAL } from "../../lib/config/local-defaults";
import { loadConfig } from "../../lib/config/schema";
import { LOCAL_STRIPE } from "./constants";
import { createStripeSandbox } from "./create-stripe-sandbox";
import { SANDBOX_API_VERSION } from "./sandbox-engine";

const argument = (name: string) => {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
};

if (process.argv.includes("--fresh")) rmSync(LOCAL_STRIPE.stateFile, { force: true });

const config = loadConfig(process.env);
const appUrl = config.auth.appBaseUrl.replace(/\/$/, "");
const webhookUrl = argument("--webhook-url") ?? `${appUrl}/api/stripe/webhook`;
const eventDestinationUrl = argument("--event-destination-url") ?? `${appUrl}/api/stripe/events`;
const sandbox = await createStripeSandbox({
  port: Number(new URL(config.local.stripeUrl).port),
  publicUrl: config.local.stripeUrl,
  webhookUrl,
  webhookSecret: LOCAL.stripeWebhookSecret,
  eventDestinationUrl,
  eventDestinationSecret: LOCAL.stripeEventDestinationSecret,
  stateFile: LOCAL_STRIPE.stateFile,
  log: process.argv.includes("--log"),
});

console.log(`[stripe] sandbox on ${sandbox.url} (API version ${SANDBOX_API_VERSION})`);
console.log(
  `[stripe] secret key ${LOCAL.stripeSecretKey}; webhooks to ${webhookUrl} signed with ${sandbox.webhookSecret}`,
);
console.log(`[stripe] thin events to ${eventDestinationUrl} signed with ${sandbox.eventDestinationSecret}`);
console.log(
  `[stripe] test helpers: POST ${sandbox.url}/_sandbox/advance {"days":31}, /_sandbox/fail_next_payment`,
);

const stop = async () => {
  await sandbox.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
