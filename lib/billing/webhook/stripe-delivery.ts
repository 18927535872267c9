import "server-only";
import Stripe from "stripe";
import { TollgateError } from "@/lib/errors";
import { log } from "@/lib/log";

/** Stripe's documented default: signatures older than five minutes are replays. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** How a receiver words and logs a delivery it refuses. */
export interface DeliveryRefusal {
  /** The log event of a signature that does not verify. */
  logEvent: string;
  /** Whose signing secret signs these deliveries: "the endpoint", "the event destination". */
  signer: string;
  /** The detail of a signed body that is not the kind of event this receiver takes. */
  notAnEvent: string;
}

/**
 * The event of a delivery, as the Stripe SDK's check (`constructEvent`, `parseEventNotification`)
 * returns it after verifying the signature against the exact bytes received.
 *
 * @throws {TollgateError} ERR_SIGNATURE_INVALID (bad, stale or for another secret), ERR_NOT_A_STRIPE_EVENT.
 */
export function verifyStripeDelivery<Event>(parse: () => Event, refusal: DeliveryRefusal): Event {
  try {
    return parse();
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
      log.warn(refusal.logEvent, { reason: error.message });
      throw new TollgateError("ERR_SIGNATURE_INVALID", {
        detail: `The Stripe-Signature does not match this body and ${refusal.signer}'s signing secret, or is too old.`,
        reason: error.message,
      });
    }
    throw new TollgateError("ERR_NOT_A_STRIPE_EVENT", { detail: refusal.notAnEvent });
  }
}

/**
 * Applies a verified event; a failure (database, Stripe) is logged as `failureLogEvent` and refused with
 * ERR_EVENT_NOT_APPLIED, a 500, so Stripe delivers the event again.
 */
export async function applyOrRedeliver<Result>(
  event: { id: string; type: string },
  failureLogEvent: string,
  apply: () => Promise<Result>,
): Promise<Result> {
  try {
    return await apply();
  } catch (error) {
    log.error(failureLogEvent, {
      eventId: event.id,
      type: event.type,
      error: error instanceof Error ? error.message : String(error),
    });
    throw new TollgateError("ERR_EVENT_NOT_APPLIED", {
      detail: `Event ${event.id} could not be applied; Stripe will retry it.`,
    });
  }
}
