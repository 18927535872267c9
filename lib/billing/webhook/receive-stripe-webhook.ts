import "server-only";
import Stripe from "stripe";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { log } from "@/lib/log";
import { getStripe } from "@/lib/billing/stripe";
import { applyStripeEvent, type Receipt } from "./apply-stripe-event";

/** Stripe's documented default: signatures older than five minutes are replays. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** The outcome of one webhook delivery, for the route to answer with. */
export type WebhookResult =
  { status: 200; receipt: Receipt } | { status: 400; detail: string } | { status: 500; detail: string };

/**
 * Verifies a delivery's signature against the exact bytes received and applies the event. A bad,
 * stale or missing signature is a 400 and writes nothing; a database or Stripe failure is a 500, so
 * Stripe retries later (the event id was not recorded: the transaction rolled back).
 */
export async function receiveStripeWebhook(body: string, signature: string | null): Promise<WebhookResult> {
  if (!signature) return { status: 400, detail: "Missing Stripe-Signature header." };
  const stripe = getStripe();
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(
      body,
      signature,
      getConfig().stripe.webhookSecret,
      SIGNATURE_TOLERANCE_SECONDS,
    );
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
      log.warn("stripe.webhook_rejected", { reason: error.message });
      return {
        status: 400,
        detail:
          "The Stripe-Signature does not match this body and the endpoint's signing secret, or is too old.",
      };
    }
    return { status: 400, detail: "The body is not a Stripe event." };
  }
  try {
    const receipt = await applyStripeEvent(getDb(), stripe, event);
    log.info("stripe.webhook_applied", { eventId: event.id, type: event.type, outcome: receipt.outcome });
    return { status: 200, receipt };
  } catch (error) {
    log.error("stripe.webhook_failed", {
      eventId: event.id,
      type: event.type,
      error: error instanceof Error ? error.message : String(error),
    });
    return { status: 500, detail: `Event ${event.id} could not be applied; Stripe will retry it.` };
  }
}
