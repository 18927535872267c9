import "server-only";
import type Stripe from "stripe";

/** A past invoice as the dashboard lists it. */
export interface InvoiceSummary {
  id: string;
  number: string | null;
  status: string | null;
  totalCents: number;
  currency: string;
  created: Date;
  url: string | null;
}

/** The customer's latest invoices, newest first. */
export async function listInvoices(
  stripe: Stripe,
  stripeCustomerId: string,
  limit = 12,
): Promise<InvoiceSummary[]> {
  const invoices = await stripe.invoices.list({ customer: stripeCustomerId, limit });
  return invoices.data.map((invoice) => ({
    id: invoice.id ?? "",
    number: invoice.number ?? null,
    status: invoice.status ?? null,
    totalCents: invoice.total,
    currency: invoice.currency,
    created: new Date(invoice.created * 1000),
    url: invoice.hosted_invoice_url ?? null,
  }));
}
