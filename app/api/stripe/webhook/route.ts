import { randomUUID } from "node:crypto";
import { receiveStripeWebhook } from "@/lib/billing/webhook/receive-stripe-webhook";
import { deliveryResponse, readSignedDelivery } from "@/lib/http/read-body";
import { withLogContext } from "@/lib/log";

/** Stripe's events are a few kilobytes; nothing larger is read. */
const MAX_BODY_BYTES = 1024 * 1024;

// POST /api/stripe/webhook – apply a signed Stripe event to Postgres
export async function POST(request: Request): Promise<Response> {
  const requestId = randomUUID();
  const instance = new URL(request.url).pathname;
  const delivery = await readSignedDelivery(request, { maxBytes: MAX_BODY_BYTES, instance, requestId });
  if (delivery instanceof Response) return delivery;
  const { body, signature } = delivery;
  const result = await withLogContext({ requestId }, () => receiveStripeWebhook(body, signature));
  return deliveryResponse(result, { instance, requestId });
}
