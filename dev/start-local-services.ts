/**
 * Starts, in this process, the local services standing in for every third-party service the
 * configuration leaves unset (DESIGN.md, local mode). Used by `npm run dev` and the browser tests.
 */
import { LOCAL } from "../lib/config/local-defaults";
import type { Config } from "../lib/config/schema";
import { issuerSeedClients } from "./demo-data";
import { LOCAL_ISSUER } from "./issuer/constants";
import { createLocalIssuer } from "./issuer/create-local-issuer";
import { LOCAL_STRIPE } from "./stripe/constants";
import { createStripeSandbox } from "./stripe/create-stripe-sandbox";

export interface LocalServices {
  /** What was started, for the console. */
  started: string[];
  /** Client secrets the local issuer has issued (none when Auth0 is configured), for the log scan. */
  issuedSecrets(): string[];
  close(): Promise<void>;
}

/** Starts the local issuer when Auth0 is not configured and the Stripe sandbox when Stripe is not. */
export async function startLocalServices(
  config: Config,
  options: { stateFile?: string | null } = {},
): Promise<LocalServices> {
  const closers: Array<() => Promise<void>> = [];
  const started: string[] = [];
  let issuedSecrets = (): string[] => [];
  if (config.auth.mode === "local") {
    const issuer = await createLocalIssuer({
      port: LOCAL.issuerPort,
      issuerUrl: LOCAL.issuerUrl,
      audience: config.gate.audience,
      appBaseUrl: config.auth.appBaseUrl,
      clients: issuerSeedClients(config.gate.audience),
      stateFile: options.stateFile === null ? undefined : (options.stateFile ?? LOCAL_ISSUER.stateFile),
    });
    closers.push(() => issuer.close());
    issuedSecrets = () => [...issuer.state.issuedSecrets];
    started.push(`Auth0-compatible issuer on ${issuer.url}`);
  }
  if (config.stripe.mode === "local") {
    const appUrl = config.auth.appBaseUrl.replace(/\/$/, "");
    const webhookUrl = `${appUrl}/api/stripe/webhook`;
    // Meter error reports (thin events) go to the app's event destination route, signed with its secret.
    const eventSecret = config.stripe.eventDestinationSecret;
    const eventDestinationUrl = eventSecret ? `${appUrl}/api/stripe/events` : undefined;
    const sandbox = await createStripeSandbox({
      port: LOCAL.stripePort,
      webhookUrl,
      webhookSecret: config.stripe.webhookSecret,
      eventDestinationUrl,
      eventDestinationSecret: eventSecret,
      stateFile: options.stateFile === null ? undefined : LOCAL_STRIPE.stateFile,
    });
    closers.push(() => sandbox.close());
    started.push(
      `Stripe sandbox on ${sandbox.url} (webhooks to ${webhookUrl}${eventDestinationUrl ? `, thin events to ${eventDestinationUrl}` : ""})`,
    );
  }
  return {
    started,
    issuedSecrets: () => issuedSecrets(),
    close: async () => {
      await Promise.all(closers.map((close) => close()));
    },
  };
}
