import "server-only";
import type Stripe from "stripe";
import { log } from "@/lib/log";

/** The next invoice's amount, and where it came from. */
export interface InvoiceEstimate {
  currency: string;
  amountCents: number;
  /** `stripe`: Stripe's upcoming-invoice preview; `catalog`: computed from the plans. */
  source: "stripe" | "catalog";
}

/**
 * The next invoice of a subscribed customer as Stripe previews it (prorations, taxes and the usage
 * reported so far included), the same call against Stripe or the local sandbox. Without a subscription,
 * or when Stripe does not answer, the catalog's computation stands in.
 */
export async function estimateNextInvoice(
  stripe: Stripe,
  customer: { stripeCustomerId: string; subscriptionId: string | null },
  fromCatalog: { currency: string; amountCents: number },
): Promise<InvoiceEstimate> {
  if (!customer.subscriptionId) return { ...fromCatalog, source: "catalog" };
  try {
    const preview = await stripe.invoices.createPreview({
      customer: customer.stripeCustomerId,
      subscription: customer.subscriptionId,
    });
    return { currency: preview.currency, amountCents: preview.amount_due, source: "stripe" };
  } catch (error) {
    log.warn("billing.invoice_preview_failed", {
      error: error instanceof Error ? error.message : String(error),
    });
    return { ...fromCatalog, source: "catalog" };
  }
}
