/**
 * `npm run setup:stripe`: creates or updates the plans (product/plans.ts) in the Stripe
 * account of STRIPE_SECRET_KEY (or the local sandbox at STRIPE_API_URL), then prints the webhook
 * endpoint to create. Safe to run again: a second run changes nothing.
 */
import { getConfig } from "@/lib/config";
import { setupStripeProducts, HANDLED_EVENT_TYPES } from "@/lib/billing/setup-stripe-products";
import { HANDLED_NOTIFICATION_TYPES } from "@/lib/billing/event-destination/notification-types";
import { getStripe, STRIPE_API_VERSION } from "@/lib/billing/stripe";

async function main(): Promise<void> {
  // The webhook endpoint, and so its signing secret, is made after this runs (it prints what to make):
  // a first run has no STRIPE_WEBHOOK_SECRET yet, which the app's configuration requires with a key.
  process.env.STRIPE_WEBHOOK_SECRET ||= "whsec_not_needed_by_setup_stripe";
  const config = getConfig();
  const target = config.stripe.apiUrl ?? "https://api.stripe.com";
  console.log(
    `Setting up the plans in ${config.stripe.mode === "local" ? "the local sandbox" : "Stripe"} (${target})`,
  );
  // The demo promotion code (WELCOME20) is public: only the local sandbox gets it.
  const changes = await setupStripeProducts(getStripe(), {
    demoPromotionCode: config.stripe.mode === "local",
  });
  for (const line of changes.created) console.log(`  created    ${line}`);
  for (const line of changes.updated) console.log(`  updated    ${line}`);
  console.log(`  unchanged  ${changes.unchanged.length} objects`);

  console.log(`
Webhook endpoint (Stripe dashboard > Developers > Webhooks > Add endpoint):
  URL:          ${new URL("/api/stripe/webhook", config.auth.appBaseUrl).toString()}
  API version:  ${STRIPE_API_VERSION}
  Events:       ${HANDLED_EVENT_TYPES.join("\n                ")}
Then put its signing secret in STRIPE_WEBHOOK_SECRET.

Event destination (Developers > Event destinations > Create; thin events, your account, webhook endpoint):
  URL:          ${new URL("/api/stripe/events", config.auth.appBaseUrl).toString()}
  Events:       ${HANDLED_NOTIFICATION_TYPES.join("\n                ")}
Then put its signing secret in STRIPE_EVENT_DESTINATION_SECRET.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
