/**
 * Subscription invoices: their lines (licensed items in advance, metered usage in arrears, one line
 * per tier charged), and creating, finalizing and charging them as renewals and cancellations do.
 */
import { lineAmount, tierCharges, type TierCharge } from "../billing-math";
import type { InvoiceBillingReason, InvoiceLineItemObject, InvoiceObject } from "../billing-objects";
import { newId } from "../ids";
import type { PriceObject } from "../objects";
import type { SubscriptionRecord } from "../sandbox-state";
import { applyDiscounts } from "./discounts";
import { usage } from "./meter-usage";
import type { SandboxEngine } from "./sandbox-engine";

/** The periods an invoice bills: licensed items for `licensed` (none when absent), usage for `usage`. */
export interface InvoicePeriods {
  licensed?: { start: number; end: number };
  usage: { start: number; end: number };
  /** A trial's first invoice: every line is free. */
  trial?: boolean;
}

function formatMoney(amountDecimal: string | null, currency: string): string {
  const amount = Number(amountDecimal ?? 0) / 100;
  const digits = amount !== 0 && Math.abs(amount) < 0.01 ? 4 : 2;
  return `${currency.toUpperCase() === "USD" ? "$" : `${currency.toUpperCase()} `}${amount.toFixed(digits)}`;
}

/**
 * What `quantity` of a price costs, split as invoice lines split it: one part for a per-unit price,
 * one per tier reached for a graduated price, the quantity's tier for a volume price.
 */
export function charges(engine: SandboxEngine, price: PriceObject, quantity: number): TierCharge[] {
  if (price.billing_scheme === "tiered") {
    return tierCharges(engine.tiersOf(price), price.tiers_mode ?? "graduated", quantity);
  }
  return [
    {
      tier: 0,
      quantity,
      amount: lineAmount(price.unit_amount_decimal, quantity),
      unitAmountDecimal: price.unit_amount_decimal,
      flatAmountDecimal: null,
    },
  ];
}

/**
 * Lines of a subscription invoice: licensed items in advance, metered usage in arrears. A tiered
 * price gives one line per tier charged, as Stripe's invoices show them ("Tier 1 at $0.00 / unit").
 */
export function invoiceLines(
  engine: SandboxEngine,
  subscription: SubscriptionRecord,
  invoiceId: string | null,
  periods: InvoicePeriods,
): InvoiceLineItemObject[] {
  const lines: InvoiceLineItemObject[] = [];
  for (const item of subscription.items) {
    const price = engine.price(item.price);
    const product = engine.state.products.get(price.product);
    const name = product?.name ?? price.product;
    const metered = price.recurring?.usage_type === "metered";
    let quantity: number;
    let period: { start: number; end: number };
    if (metered) {
      const meter = engine.meterOf(price);
      quantity = meter
        ? usage(engine, meter, subscription.customer, periods.usage.start, periods.usage.end)
        : 0;
      period = periods.usage;
    } else {
      if (!periods.licensed) continue;
      quantity = item.quantity ?? 1;
      period = periods.licensed;
    }
    const per = metered ? "unit" : (price.recurring?.interval ?? "month");
    for (const charge of charges(engine, price, quantity)) {
      const at = formatMoney(charge.unitAmountDecimal, price.currency);
      const flat =
        charge.flatAmountDecimal === null
          ? ""
          : ` + ${formatMoney(charge.flatAmountDecimal, price.currency)}`;
      const description =
        !metered && periods.trial
          ? `Trial period for ${name}`
          : charge.tier > 0
            ? `${charge.quantity} × ${name} (Tier ${charge.tier} at ${at} / ${per}${flat})`
            : `${charge.quantity} × ${name} (at ${at} / ${per})`;
      const amount = periods.trial ? 0 : charge.amount;
      lines.push({
        id: newId("il"),
        object: "line_item",
        amount,
        currency: price.currency,
        description,
        discount_amounts: [],
        discountable: true,
        discounts: [],
        invoice: invoiceId,
        livemode: false,
        metadata: {},
        parent: {
          invoice_item_details: null,
          subscription_item_details: {
            invoice_item: null,
            proration: false,
            proration_details: { credited_items: null },
            subscription: subscription.id,
            subscription_item: item.id,
          },
          type: "subscription_item_details",
        },
        period,
        pretax_credit_amounts: [],
        pricing: {
          price_details: { price: price.id, product: price.product },
          type: "price_details",
          unit_amount_decimal: charge.unitAmountDecimal,
        },
        quantity: Math.round(charge.quantity),
        quantity_decimal: String(charge.quantity),
        subtotal: amount,
        taxes: [],
      });
    }
  }
  return lines;
}

/** An invoice object (not stored); `id` decides whether it is a real invoice or a preview. */
export function buildInvoice(
  engine: SandboxEngine,
  subscription: SubscriptionRecord,
  id: string,
  reason: InvoiceBillingReason,
  lines: InvoiceLineItemObject[],
  usage: { start: number; end: number },
  created: number,
): InvoiceObject {
  const customer = engine.state.customers.get(subscription.customer);
  const subtotal = lines.reduce((sum, line) => sum + line.amount, 0);
  const discounts = applyDiscounts(engine, subscription, lines, created, { preview: reason === "upcoming" });
  const total = subtotal - discounts.reduce((sum, entry) => sum + entry.amount, 0);
  // Stripe Tax's figure needs tax registrations the sandbox does not have: it reflects the setting
  // and computes no tax.
  const tax = subscription.automatic_tax.enabled;
  return {
    id,
    object: "invoice",
    account_country: "US",
    account_name: "Tollgate Stripe sandbox",
    amount_due: total,
    amount_overpaid: 0,
    amount_paid: 0,
    amount_remaining: total,
    amount_shipping: 0,
    application: null,
    attempt_count: 0,
    attempted: false,
    auto_advance: reason !== "upcoming",
    automatic_tax: {
      disabled_reason: null,
      enabled: tax,
      liability: tax ? { type: "self" } : null,
      provider: tax ? "stripe" : null,
      status: tax ? "complete" : null,
    },
    automatically_finalizes_at: null,
    billing_reason: reason,
    collection_method: "charge_automatically",
    created,
    currency: subscription.currency,
    customer: subscription.customer,
    customer_email: customer?.email ?? null,
    customer_name: customer?.name ?? null,
    default_payment_method: null,
    description: null,
    discounts: discounts.map((entry) => entry.discount),
    due_date: null,
    effective_at: null,
    ending_balance: null,
    footer: null,
    hosted_invoice_url: null,
    invoice_pdf: null,
    issuer: { type: "self" },
    last_finalization_error: null,
    lines: { object: "list", data: lines, has_more: false, url: `/v1/invoices/${id}/lines` },
    livemode: false,
    metadata: {},
    next_payment_attempt: null,
    number: null,
    parent: {
      quote_details: null,
      subscription_details: { metadata: subscription.metadata, subscription: subscription.id },
      type: "subscription_details",
    },
    period_end: usage.end,
    period_start: usage.start,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: "draft",
    status_transitions: {
      finalized_at: null,
      marked_uncollectible_at: null,
      paid_at: null,
      voided_at: null,
    },
    subtotal,
    subtotal_excluding_tax: subtotal,
    test_clock: null,
    total,
    total_discount_amounts: discounts,
    total_excluding_tax: total,
    total_taxes: [],
    webhooks_delivered_at: null,
  };
}

/**
 * Creates, finalizes and charges a subscription invoice. A charge fails when a failure was armed
 * (`failNextPayment`) or no card is on file; the subscription then goes past_due (incomplete for
 * a first invoice), as Stripe's default payment behaviour does.
 */
export function chargeInvoice(
  engine: SandboxEngine,
  subscription: SubscriptionRecord,
  reason: InvoiceBillingReason,
  periods: InvoicePeriods,
  created: number,
  options: { cardPresent: boolean },
): InvoiceObject {
  const id = newId("in");
  const invoice = buildInvoice(
    engine,
    subscription,
    id,
    reason,
    invoiceLines(engine, subscription, id, periods),
    periods.usage,
    created,
  );
  engine.state.invoiceSequence += 1;
  invoice.number = `SANDBOX-${String(engine.state.invoiceSequence).padStart(4, "0")}`;
  invoice.status = "open";
  invoice.effective_at = created;
  invoice.status_transitions.finalized_at = created;
  invoice.webhooks_delivered_at = created;
  engine.state.invoices.set(id, invoice);
  subscription.latest_invoice = id;
  engine.emit("invoice.created", invoice, undefined, created);
  engine.emit("invoice.finalized", invoice, undefined, created);
  if (invoice.amount_due === 0) {
    markPaid(engine, invoice, created);
    return invoice;
  }
  invoice.attempted = true;
  invoice.attempt_count = 1;
  const fail = engine.state.failNextPayments > 0 || !options.cardPresent;
  if (fail) {
    if (engine.state.failNextPayments > 0) engine.state.failNextPayments -= 1;
    invoice.next_payment_attempt = created + 3 * 86_400;
    engine.emit("invoice.payment_failed", invoice, undefined, created);
    return invoice;
  }
  markPaid(engine, invoice, created);
  return invoice;
}

/** Marks an invoice paid now and emits `invoice.paid` and `invoice.payment_succeeded`. */
export function markPaid(engine: SandboxEngine, invoice: InvoiceObject, at: number): void {
  invoice.status = "paid";
  invoice.amount_paid = invoice.amount_due;
  invoice.amount_remaining = 0;
  invoice.ending_balance = 0;
  invoice.next_payment_attempt = null;
  invoice.status_transitions.paid_at = at;
  engine.emit("invoice.paid", invoice, undefined, at);
  engine.emit("invoice.payment_succeeded", invoice, undefined, at);
}
