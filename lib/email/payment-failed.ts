import "server-only";
import type Stripe from "stripe";
import { getConfig } from "@/lib/config";
import type { Database } from "@/lib/db";
import { formatMoney } from "@/lib/format";
import type { Mailer } from "./mailer";
import { BILLING_ROLES, dashboardUrl, teamRecipients } from "./recipients";
import { sendEmailOnce, type SendOutcome } from "./send-email-once";
import { paymentFailedEmail } from "./templates";

/**
 * Tells a team's owners and billing members that an invoice's payment failed, once per invoice
 * (cause `payment_failed:<invoice id>`): Stripe retries a failed invoice and sends the event again
 * each time, and a person needs to hear it once.
 */
export async function sendPaymentFailedEmail(
  db: Database,
  customerId: string,
  invoice: Pick<
    Stripe.Invoice,
    "id" | "amount_due" | "currency" | "next_payment_attempt" | "hosted_invoice_url"
  >,
  mailer?: Mailer | null,
): Promise<SendOutcome | null> {
  const recipients = await teamRecipients(db, customerId, BILLING_ROLES);
  if (!recipients || !invoice.id) return null;
  const content = paymentFailedEmail({
    teamName: recipients.teamName,
    amountDue: formatMoney(invoice.amount_due, invoice.currency),
    nextAttemptAt: invoice.next_payment_attempt ? new Date(invoice.next_payment_attempt * 1000) : null,
    billingUrl: dashboardUrl(getConfig().auth.appBaseUrl, "/dashboard/billing"),
    invoiceUrl: invoice.hosted_invoice_url,
  });
  return sendEmailOnce(
    db,
    {
      cause: `payment_failed:${invoice.id}`,
      kind: "payment_failed",
      customerId,
      to: recipients.to.join(", "),
      ...content,
    },
    mailer,
  );
}
