import type Stripe from "stripe";
import { createStripeSandbox, type StripeSandbox } from "@tollgate/stripe-sandbox";
import { sdkFor } from "@tollgate/stripe-sandbox/testing";
import { LOCAL } from "@/lib/config/local-defaults";
import type { Database } from "@/lib/db";
import type { JwksTestServer, TestKey } from "@/lib/gate/jwks-test-server";
import { createMigratedDatabase } from "@/test/database";
import { setAppDatabase } from "@/test/process-state";
import { startTestIssuer } from "@/test/test-issuer";

export const AUDIENCE = "https://api.tollgate.bench/";

/** The app's modules in this process, on a fresh database, the Stripe sandbox and a test issuer. */
export interface InProcessApp {
  db: Database;
  stripe: Stripe;
  sandbox: StripeSandbox;
  issuer: JwksTestServer;
  key: TestKey;
  /** A machine token (every scope) for a client id. */
  token(clientId: string): Promise<string>;
}

let shared: Promise<InProcessApp> | undefined;

/**
 * One environment for every in-process benchmark area: the app reads its configuration once per
 * process, so the areas share it. Route handlers reach the database through the app's own singleton.
 */
export function inProcessApp(): Promise<InProcessApp> {
  shared ??= (async () => {
    const issuer = await startTestIssuer("bench", AUDIENCE);
    const sandbox = await createStripeSandbox({ port: 0, webhookSecret: LOCAL.stripeWebhookSecret });
    Object.assign(process.env, {
      AUTH0_ISSUER: issuer.issuer,
      AUTH0_AUDIENCE: AUDIENCE,
      STRIPE_API_URL: sandbox.url,
      LOG_LEVEL: "error",
      RATE_LIMIT_SCALE: "1000",
      USAGE_REPORT_INTERVAL_SECONDS: "0",
    });
    const database = await createMigratedDatabase();
    setAppDatabase(database.db);
    const stripe = sdkFor(sandbox);
    const { setupStripeProducts } = await import("@/lib/billing/setup-stripe-products");
    await setupStripeProducts(stripe);
    return {
      db: database.db,
      stripe,
      sandbox,
      issuer,
      key: issuer.key,
      token: (clientId) => issuer.machineToken(clientId, { ttl: 7200 }),
    };
  })();
  return shared;
}
