import { randomUUID } from "node:crypto";
import { problemResponse } from "@/lib/api/problems";
import { receiveStripeWebhook } from "@/lib/billing/webhook/receive-stripe-webhook";
import { withLogContext } from "@/lib/log";

// POST /api/stripe/webhook – apply a signed Stripe event to Postgres
export async function POST(request: Request): Promise<Response> {
  const requestId = randomUUID();
  // The signature covers the exact bytes sent: read the raw text, never parsed-and-reserialised JSON.
  const body = await request.text();
  const result = await withLogContext({ requestId }, () =>
    receiveStripeWebhook(body, request.headers.get("stripe-signature")),
  );
  const instance = new URL(request.url).pathname;
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
