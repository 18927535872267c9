import "server-only";
import type Stripe from "stripe";
import { getConfig } from "@/lib/config";
import type { Database } from "@/lib/db";
import { log } from "@/lib/log";
import { formatMoney } from "@/lib/format";
import { getMailer, type Mailer } from "./mailer";
import { BILLING_ROLES, dashboardUrl, teamRecipients } from "./recipients";
import { recordEmail, type EmailStore, type EmailToSend } from "./send-email-once";
import { paymentFailedEmail } from "./templates";

/**
 * Records the email that tells a team's owners and billing members an invoice's payment failed, once
 * per invoice (cause `payment_failed:<invoice id>`): Stripe retries a failed invoice and sends the event
 * again each time, and a person needs to hear it once. Called in the event's transaction; returns the
 * email to send after the commit (`sendRecordedEmail`), or null when there is nothing to send (no
 * relay, no such team, or already recorded).
 */
export async function recordPaymentFailedEmail(
  tx: EmailStore & Pick<Database, "customer">,
  customerId: string,
  invoice: Pick<
    Stripe.Invoice,
    "id" | "amount_due" | "currency" | "next_payment_attempt" | "hosted_invoice_url"
  >,
  mailer: Mailer | null = getMailer(),
): Promise<EmailToSend | null> {
  const cause = `payment_failed:${invoice.id}`;
  if (!mailer) {
    log.warn("email.disabled", { kind: "payment_failed", cause });
    return null;
  }
  const recipients = await teamRecipients(tx, customerId, BILLING_ROLES);
  if (!recipients || !invoice.id) return null;
  const content = paymentFailedEmail({
    teamName: recipients.teamName,
    amountDue: formatMoney(invoice.amount_due, invoice.currency),
    nextAttemptAt: invoice.next_payment_attempt ? new Date(invoice.next_payment_attempt * 1000) : null,
    billingUrl: dashboardUrl(getConfig().auth.appBaseUrl, "/dashboard/billing"),
    invoiceUrl: invoice.hosted_invoice_url,
  });
  const email: EmailToSend = {
    cause,
    kind: "payment_failed",
    customerId,
    to: recipients.to.join(", "),
    ...content,
  };
  return (await recordEmail(tx, email)) ? email : null;
}
