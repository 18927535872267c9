import { randomBytes } from "node:crypto";

/**
 * Fresh secrets for a production build run on the local services (`TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION`:
 * the browser tests, the cluster, benchmarks), which refuses the published local defaults. The local
 * Stripe sandbox must be started with the same environment, so that it signs with these secrets.
 */
export function localProductionSecrets(): {
  AUTH0_SECRET: string;
  STRIPE_WEBHOOK_SECRET: string;
  STRIPE_EVENT_DESTINATION_SECRET: string;
} {
  return {
    AUTH0_SECRET: randomBytes(32).toString("hex"),
    STRIPE_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString("hex")}`,
    // The event destination's thin events (meter error reports): production has no local default.
    STRIPE_EVENT_DESTINATION_SECRET: `whsec_${randomBytes(24).toString("hex")}`,
  };
}
