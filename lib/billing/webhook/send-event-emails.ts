import "server-only";
import type Stripe from "stripe";
import { afterResponse } from "@/lib/after-response";
import type { Database } from "@/lib/db";
import { sendPaymentFailedEmail } from "@/lib/email/payment-failed";

/**
 * Sends the emails an applied event calls for, after the response (and so after its transaction
 * committed): an SMTP relay's latency or failure must never fail or slow the delivery, which Stripe
 * would retry. Each email is sent once per cause, whatever Stripe redelivers.
 */
export function sendEventEmails(db: Database, event: Stripe.Event, customerId: string): void {
  if (event.type !== "invoice.payment_failed") return;
  const invoice = event.data.object;
  afterResponse("email.payment_failed", () => sendPaymentFailedEmail(db, customerId, invoice));
}
