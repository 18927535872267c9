import { receiveEventNotification } from "@/lib/billing/event-destination/receive-event-notification";
import { getConfig } from "@/lib/config";
import { TollgateError } from "@/lib/errors";
import { answerSignedDelivery } from "@/lib/http/signed-delivery";

/** A thin event is a few hundred bytes; nothing larger is read. */
const MAX_BODY_BYTES = 64 * 1024;

// POST /api/stripe/events – apply a signed thin event of the Stripe event destination (meter error reports)
export function POST(request: Request): Promise<Response> {
  return answerSignedDelivery(
    request,
    { maxBytes: MAX_BODY_BYTES, secret: eventDestinationSecret },
    receiveEventNotification,
  );
}

function eventDestinationSecret(): string {
  const secret = getConfig().stripe.eventDestinationSecret;
  if (!secret) {
    throw new TollgateError("ERR_NOT_CONFIGURED", {
      detail: "Set STRIPE_EVENT_DESTINATION_SECRET to receive the event destination's thin events.",
    });
  }
  return secret;
}
