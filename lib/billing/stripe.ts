import "server-only";
import Stripe from "stripe";
import { getConfig, type Config } from "@/lib/config";
import { processKey, processSingleton } from "@/lib/process-state";

/**
 * The Stripe API version every request uses: the one the installed SDK pins, so the SDK's types match
 * the objects we receive (webhook endpoints must be created with this version too). Since
 * 2025-03-31 (basil) `current_period_start`/`current_period_end` live on subscription items, not on
 * the subscription, and an invoice's subscription is under `parent.subscription_details`.
 * stripe.test.ts fails when an SDK upgrade changes it, so the bump is a reviewed change.
 */
export const STRIPE_API_VERSION = "2026-10-28.endive" satisfies Stripe.LatestApiVersion;

/** Automatic retries (with backoff, reusing the idempotency key) of failed network calls. */
const MAX_NETWORK_RETRIES = 2;

/** Builds a Stripe client for a configuration; `getStripe()` is the app's shared one. */
export function createStripeClient(stripe: Pick<Config["stripe"], "secretKey" | "apiUrl">): Stripe {
  const target = stripe.apiUrl ? new URL(stripe.apiUrl) : undefined;
  return new Stripe(stripe.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: MAX_NETWORK_RETRIES,
    timeout: 20_000,
    appInfo: { name: "tollgate" },
    // STRIPE_API_URL: a Stripe-compatible API such as the local sandbox (packages/stripe-sandbox).
    ...(target && {
      host: target.hostname,
      port: target.port || (target.protocol === "http:" ? 80 : 443),
      protocol: target.protocol === "http:" ? ("http" as const) : ("https" as const),
    }),
  });
}

/** Where the process keeps its Stripe client; tests forget it to build one from a new environment. */
export const stripeKey = processKey<Stripe>("stripe");

/** The app's Stripe client, built once from the configuration (the only place one is built). */
export function getStripe(): Stripe {
  return processSingleton(stripeKey, () => createStripeClient(getConfig().stripe));
}
