import { receiveStripeWebhook } from "@/lib/billing/webhook/receive-stripe-webhook";
import { getConfig } from "@/lib/config";
import { answerSignedDelivery } from "@/lib/http/signed-delivery";

/** Stripe's events are a few kilobytes; nothing larger is read. */
const MAX_BODY_BYTES = 1024 * 1024;

// POST /api/stripe/webhook – apply a signed Stripe event to Postgres
export function POST(request: Request): Promise<Response> {
  return answerSignedDelivery(
    request,
    { maxBytes: MAX_BODY_BYTES, secret: () => getConfig().stripe.webhookSecret },
    receiveStripeWebhook,
  );
}
