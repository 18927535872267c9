import "server-only";
import { getDb } from "@/lib/db";
import type { SignedDelivery } from "@/lib/http/signed-delivery";
import { log } from "@/lib/log";
import { getStripe } from "@/lib/billing/stripe";
import { applyStripeEvent, type Receipt } from "./apply-stripe-event";
import { applyOrRedeliver, SIGNATURE_TOLERANCE_SECONDS, verifyStripeDelivery } from "./stripe-delivery";

/**
 * Verifies a delivery's signature against the exact bytes received and applies the event. A bad or
 * stale signature is a 400 and writes nothing; a database or Stripe failure is a 500, so Stripe retries
 * later (the event id was not recorded: the transaction rolled back).
 *
 * @throws {TollgateError} ERR_SIGNATURE_INVALID, ERR_NOT_A_STRIPE_EVENT, ERR_EVENT_NOT_APPLIED.
 */
export async function receiveStripeWebhook({ body, signature, secret }: SignedDelivery): Promise<Receipt> {
  const stripe = getStripe();
  const event = verifyStripeDelivery(
    () => stripe.webhooks.constructEvent(body, signature, secret, SIGNATURE_TOLERANCE_SECONDS),
    {
      logEvent: "stripe.webhook_rejected",
      signer: "the endpoint",
      notAnEvent: "The body is not a Stripe event.",
    },
  );
  const receipt = await applyOrRedeliver(event, "stripe.webhook_failed", () =>
    applyStripeEvent(getDb(), stripe, event),
  );
  log.info("stripe.webhook_applied", { eventId: event.id, type: event.type, outcome: receipt.outcome });
  return receipt;
}
