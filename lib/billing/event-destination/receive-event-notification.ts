import "server-only";
import type Stripe from "stripe";
import { getStripe } from "@/lib/billing/stripe";
import {
  applyOrRedeliver,
  SIGNATURE_TOLERANCE_SECONDS,
  verifyStripeDelivery,
} from "@/lib/billing/webhook/stripe-delivery";
import { getDb } from "@/lib/db";
import type { SignedDelivery } from "@/lib/http/signed-delivery";
import { log } from "@/lib/log";
import { applyMeterErrorReport, type MeterErrorReportEvent } from "@/lib/metering/apply-meter-error-report";
import { HANDLED_NOTIFICATION_TYPES } from "./notification-types";

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

/**
 * Verifies a thin event's signature against the exact bytes received and the destination's secret
 * (with Stripe's tolerance), checks its type against the allow-list, then fetches the full event from
 * Stripe and acts on that, never on the notification's own fields. A bad or stale signature is a 400
 * and changes nothing; a failure to fetch or to write is a 500, so Stripe delivers it again.
 *
 * @throws {TollgateError} ERR_SIGNATURE_INVALID, ERR_NOT_A_STRIPE_EVENT, ERR_EVENT_NOT_APPLIED.
 */
export async function receiveEventNotification({
  body,
  signature,
  secret,
}: SignedDelivery): Promise<NotificationReceipt> {
  const stripe = getStripe();
  const notification = verifyStripeDelivery(
    () => stripe.parseEventNotification(body, signature, secret, SIGNATURE_TOLERANCE_SECONDS),
    {
      logEvent: "stripe.event_notification_rejected",
      signer: "the event destination",
      // Signed by Stripe but not a thin event (a snapshot event sent to the wrong URL), or not JSON.
      notAnEvent: "The body is not a Stripe thin event (v2.core.event).",
    },
  );
  const receipt = (outcome: NotificationReceipt["outcome"], actions: string[] = []): NotificationReceipt => ({
    received: true,
    id: notification.id,
    type: notification.type,
    outcome,
    actions,
  });
  if (!HANDLED.has(notification.type)) {
    log.info("stripe.event_notification_ignored", { eventId: notification.id, type: notification.type });
    return receipt("ignored");
  }
  return applyOrRedeliver(notification, "stripe.event_notification_failed", async () => {
    const event = await stripe.v2.core.events.retrieve(notification.id);
    if (event.id !== notification.id || !isMeterErrorReport(event)) {
      log.warn("stripe.event_notification_mismatch", { eventId: notification.id, fetchedType: event.type });
      return receipt("ignored");
    }
    const { outcome, actions } = await applyMeterErrorReport(getDb(), stripe, event);
    log.info("stripe.event_notification_applied", { eventId: event.id, type: event.type, outcome });
    return receipt(outcome, actions);
  });
}
