import { randomUUID } from "node:crypto";
import { problemResponse } from "@/lib/api/problems";
import { receiveStripeWebhook } from "@/lib/billing/webhook/receive-stripe-webhook";
import { readSignedDelivery } from "@/lib/http/read-body";
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
  switch (result.status) {
    case 200:
      return Response.json(result.receipt, {
        headers: { "cache-control": "no-store", "x-request-id": requestId },
      });
    case 400:
      return problemResponse("invalid_request", { detail: result.detail, instance, requestId });
    case 500:
      return problemResponse("internal_error", { detail: result.detail, instance, requestId });
  }
}
