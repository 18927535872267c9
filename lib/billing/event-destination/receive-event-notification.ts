import "server-only";
import Stripe from "stripe";
import { getStripe } from "@/lib/billing/stripe";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";
import { applyMeterErrorReport, type MeterErrorReportEvent } from "@/lib/metering/apply-meter-error-report";
import { HANDLED_NOTIFICATION_TYPES } from "./notification-types";

/** Stripe's documented default: signatures older than five minutes are replays. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const HANDLED: ReadonlySet<string> = new Set(HANDLED_NOTIFICATION_TYPES);

function isMeterErrorReport(event: Stripe.V2.Core.Event): event is MeterErrorReportEvent {
  return HANDLED.has(event.type);
}

/** What the route answers a delivery with: what was done, so Stripe's dashboard shows it. */
export interface NotificationReceipt {
  received: true;
  id: string;
  type: string;
  outcome: "applied" | "duplicate" | "ignored";
  actions: string[];
}

/** The outcome of one delivery, for the route to answer with. */
export type NotificationResult =
  | { status: 200; receipt: NotificationReceipt }
  | { status: 400; detail: string }
  | { status: 500; detail: string };

/**
 * Verifies a thin event's signature against the exact bytes received and the destination's secret
 * (with Stripe's tolerance), checks its type against the allow-list, then fetches the full event from
 * Stripe and acts on that, never on the notification's own fields. A bad, stale or missing signature
 * is a 400 and changes nothing; a failure to fetch or to write is a 500, so Stripe delivers it again.
 */
export async function receiveEventNotification(
  body: string,
  signature: string,
  secret: string,
): Promise<NotificationResult> {
  const stripe = getStripe();
  let notification: Stripe.V2.Core.EventNotification;
  try {
    notification = stripe.parseEventNotification(body, signature, secret, SIGNATURE_TOLERANCE_SECONDS);
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
      log.warn("stripe.event_notification_rejected", { reason: error.message });
      return {
        status: 400,
        detail:
          "The Stripe-Signature does not match this body and the event destination's signing secret, or is too old.",
      };
    }
    // Signed by Stripe but not a thin event (a snapshot event sent to the wrong URL), or not JSON.
    return { status: 400, detail: "The body is not a Stripe thin event (v2.core.event)." };
  }
  const receipt = (outcome: NotificationReceipt["outcome"], actions: string[] = []): NotificationReceipt => ({
    received: true,
    id: notification.id,
    type: notification.type,
    outcome,
    actions,
  });
  if (!HANDLED.has(notification.type)) {
    log.info("stripe.event_notification_ignored", { eventId: notification.id, type: notification.type });
    return { status: 200, receipt: receipt("ignored") };
  }
  try {
    const event = await stripe.v2.core.events.retrieve(notification.id);
    if (event.id !== notification.id || !isMeterErrorReport(event)) {
      log.warn("stripe.event_notification_mismatch", { eventId: notification.id, fetchedType: event.type });
      return { status: 200, receipt: receipt("ignored") };
    }
    const { outcome, actions } = await applyMeterErrorReport(getDb(), stripe, event);
    log.info("stripe.event_notification_applied", { eventId: event.id, type: event.type, outcome });
    return { status: 200, receipt: receipt(outcome, actions) };
  } catch (error) {
    log.error("stripe.event_notification_failed", {
      eventId: notification.id,
      type: notification.type,
      error: error instanceof Error ? error.message : String(error),
    });
    return { status: 500, detail: `Event ${notification.id} could not be applied; Stripe will retry it.` };
  }
}
