/**
 * Starts, in this process, the local services standing in for every third-party service the
 * configuration leaves unset (DESIGN.md, local mode). Used by `npm run dev` and the browser tests.
 */
import { LOCAL } from "../lib/config/local-defaults";
import type { Config } from "../lib/config/schema";
import { LOCAL_ISSUER } from "@tollgate/local-auth0";
import { createMailCatcher } from "@tollgate/mail-catcher";
import { createStripeSandbox, LOCAL_STRIPE } from "@tollgate/stripe-sandbox";
import { issuerSeedClients } from "./demo-data";
import { createDemoIssuer } from "./demo-tenant";

/**
 * Where a service listens: "configured" on the port of its configured address (`config.local`),
 * failing when that port is taken; "free" on a port the OS picks; "configured-or-free" on the
 * configured port unless it is taken.
 */
export type PortChoice = "configured" | "free" | "configured-or-free";

export interface LocalServicesOptions {
  /** Where the issuer keeps its state; `null` keeps no state on disk (tests). */
  stateFile?: string | null;
  /** Default "configured" for all: the browser and multi-instance tests rely on the fixed ports. */
  ports?: { issuer?: PortChoice; stripe?: PortChoice; mail?: PortChoice };
}

export interface LocalServices {
  /** What was started, for the console. */
  started: string[];
  /**
   * Where each started service listens: pass them on as TOLLGATE_LOCAL_ISSUER_URL / _STRIPE_URL /
   * _SMTP_URL; `mailPage` is the mail catcher's page of received mail.
   */
  urls: { issuer?: string; stripe?: string; smtp?: string; mailPage?: string };
  /** Client secrets the local issuer has issued (none when Auth0 is configured), for the log scan. */
  issuedSecrets(): string[];
  close(): Promise<void>;
}

/**
 * Starts the local issuer when Auth0 is not configured, the Stripe sandbox when Stripe is not, and the
 * mail catcher when emails go to it (local mode without SMTP_URL).
 */
export async function startLocalServices(
  config: Config,
  options: LocalServicesOptions = {},
): Promise<LocalServices> {
  const closers: Array<() => Promise<void>> = [];
  const started: string[] = [];
  const urls: LocalServices["urls"] = {};
  let issuedSecrets = (): string[] => [];
  try {
    if (config.auth.mode === "local") {
      const issuer = await listenPerChoice(options.ports?.issuer, config.local.issuerUrl, (port, issuerUrl) =>
        createDemoIssuer({
          port,
          issuerUrl,
          audience: config.gate.audience,
          appBaseUrl: config.auth.appBaseUrl,
          dashboardClient: { clientId: config.auth.clientId, clientSecret: config.auth.clientSecret },
          clients: issuerSeedClients(config.gate.audience),
          // People's roles where the app reads them, so the demo admin opens the operator's view.
          rolesClaim: config.gate.rolesClaim,
          stateFile: options.stateFile === null ? undefined : (options.stateFile ?? LOCAL_ISSUER.stateFile),
        }),
      );
      closers.push(() => issuer.close());
      issuedSecrets = () => [...issuer.state.issuedSecrets];
      urls.issuer = issuer.url;
      started.push(`Auth0-compatible issuer on ${issuer.url}`);
    }
    if (config.stripe.mode === "local") {
      const appUrl = config.auth.appBaseUrl.replace(/\/$/, "");
      const webhookUrl = `${appUrl}/api/stripe/webhook`;
      // Meter error reports (thin events) go to the app's event destination route, signed with its secret.
      const eventSecret = config.stripe.eventDestinationSecret;
      const eventDestinationUrl = eventSecret ? `${appUrl}/api/stripe/events` : undefined;
      const sandbox = await listenPerChoice(
        options.ports?.stripe,
        config.local.stripeUrl,
        (port, publicUrl) =>
          createStripeSandbox({
            port,
            publicUrl,
            webhookUrl,
            webhookSecret: config.stripe.webhookSecret,
            eventDestinationUrl,
            eventDestinationSecret: eventSecret,
            stateFile: options.stateFile === null ? undefined : LOCAL_STRIPE.stateFile,
          }),
      );
      closers.push(() => sandbox.close());
      urls.stripe = sandbox.url;
      started.push(
        `Stripe sandbox on ${sandbox.url} (webhooks to ${webhookUrl}${eventDestinationUrl ? `, thin events to ${eventDestinationUrl}` : ""})`,
      );
    }
    if (config.email.local && config.email.smtpUrl) {
      const smtpUrl = config.email.smtpUrl;
      const catcher = await listenPerChoice(options.ports?.mail, smtpUrl, (port) =>
        createMailCatcher({
          smtpPort: port,
          // The page beside the default SMTP port, or wherever the OS puts it.
          httpPort: smtpUrl === LOCAL.smtpUrl && port !== 0 ? Number(new URL(LOCAL.mailCatcherUrl).port) : 0,
        }),
      );
      closers.push(() => catcher.close());
      urls.smtp = catcher.smtpUrl;
      urls.mailPage = catcher.url;
      started.push(`Mail catcher on ${catcher.smtpUrl} (received mail at ${catcher.url})`);
    }
  } catch (error) {
    await Promise.all(closers.map((close) => close()));
    throw error;
  }
  return {
    started,
    urls,
    issuedSecrets: () => issuedSecrets(),
    close: async () => {
      await Promise.all(closers.map((close) => close()));
    },
  };
}

/**
 * Starts a service on its configured address or, as the choice allows, on a free port; `start` gets
 * the port and the address to announce (undefined: the service's own `http://localhost:{port}`).
 */
async function listenPerChoice<T>(
  choice: PortChoice = "configured",
  configuredUrl: string,
  start: (port: number, url: string | undefined) => Promise<T>,
): Promise<T> {
  if (choice === "free") return start(0, undefined);
  try {
    return await start(Number(new URL(configuredUrl).port), configuredUrl);
  } catch (error) {
    const inUse = error instanceof Error && "code" in error && error.code === "EADDRINUSE";
    if (choice === "configured-or-free" && inUse) return start(0, undefined);
    throw error;
  }
}
