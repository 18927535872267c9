import "server-only";
import type Stripe from "stripe";
// The modules, not lib/email's index: that pulls in the email jobs, which read billing.
import { recordPaymentFailedEmail } from "@/lib/email/payment-failed";
import type { EmailToSend } from "@/lib/email/send-email-once";
import type { Tx } from "./context";

/**
 * Records the emails an event calls for in its transaction, so that they commit with its effects:
 * once the event is marked applied Stripe never delivers it again, and an email recorded only after
 * the commit would be lost to a crash in between. Each is recorded once per cause, whatever Stripe
 * redelivers.
 */
export async function recordEventEmails(
  tx: Tx,
  event: Stripe.Event,
  customerId: string,
): Promise<EmailToSend[]> {
  if (event.type !== "invoice.payment_failed") return [];
  const email = await recordPaymentFailedEmail(tx, customerId, event.data.object);
  return email ? [email] : [];
}
