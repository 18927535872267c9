import { randomUUID } from "node:crypto";
import { problemResponse } from "@/lib/api/problems";
import { receiveEventNotification } from "@/lib/billing/event-destination/receive-event-notification";
import { getConfig } from "@/lib/config";
import { deliveryResponse, readSignedDelivery } from "@/lib/http/read-body";
import { withLogContext } from "@/lib/log";

/** A thin event is a few hundred bytes; nothing larger is read. */
const MAX_BODY_BYTES = 64 * 1024;

// POST /api/stripe/events – apply a signed thin event of the Stripe event destination (meter error reports)
export async function POST(request: Request): Promise<Response> {
  const requestId = randomUUID();
  const instance = new URL(request.url).pathname;
  // Refused before the body is read: nothing unsigned, unverifiable or oversized costs more than its headers.
  const secret = getConfig().stripe.eventDestinationSecret;
  if (!secret) {
    return problemResponse("service_unavailable", {
      detail: "Set STRIPE_EVENT_DESTINATION_SECRET to receive the event destination's thin events.",
      instance,
      requestId,
    });
  }
  const delivery = await readSignedDelivery(request, { maxBytes: MAX_BODY_BYTES, instance, requestId });
  if (delivery instanceof Response) return delivery;
  const { body, signature } = delivery;
  const result = await withLogContext({ requestId }, () => receiveEventNotification(body, signature, secret));
  return deliveryResponse(result, { instance, requestId });
}
