/**
 * The billing objects the sandbox serves (subscriptions and their items, invoices and their lines,
 * Checkout and portal sessions), on the wire as objects.ts describes.
 */
import type { AddressObject, ListObject, Metadata, PlanObject, PriceObject } from "./objects";

/** Stripe Tax on a subscription or invoice: on when the Checkout Session asked for `automatic_tax`. */
export interface AutomaticTaxObject {
  disabled_reason: null;
  enabled: boolean;
  liability: { type: "self" } | null;
}

/** What a discount took off an invoice or one of its lines. */
export interface DiscountAmountObject {
  amount: number;
  discount: string;
}

export interface SubscriptionItemObject {
  id: string;
  object: "subscription_item";
  billing_thresholds: null;
  created: number;
  current_period_end: number;
  current_period_start: number;
  discounts: string[];
  metadata: Metadata;
  plan: PlanObject;
  price: PriceObject;
  /** Absent for metered prices, as in Stripe. */
  quantity?: number;
  subscription: string;
  tax_rates: [];
}

export type SubscriptionStatus =
  "active" | "canceled" | "incomplete" | "incomplete_expired" | "past_due" | "paused" | "trialing" | "unpaid";

export interface SubscriptionObject {
  id: string;
  object: "subscription";
  application: null;
  application_fee_percent: null;
  automatic_tax: AutomaticTaxObject;
  billing_cycle_anchor: number;
  billing_mode: { flexible: null; type: "classic" };
  billing_thresholds: null;
  cancel_at: number | null;
  cancel_at_period_end: boolean;
  canceled_at: number | null;
  cancellation_details: {
    comment: string | null;
    feedback: string | null;
    reason: "cancellation_requested" | "payment_disputed" | "payment_failed" | null;
  };
  collection_method: "charge_automatically";
  created: number;
  currency: string;
  customer: string;
  days_until_due: null;
  default_payment_method: null;
  default_source: null;
  description: string | null;
  discounts: string[];
  ended_at: number | null;
  invoice_settings: { account_tax_ids: null; issuer: { type: "self" } };
  items: ListObject<SubscriptionItemObject>;
  latest_invoice: string | null;
  livemode: false;
  metadata: Metadata;
  next_pending_invoice_item_invoice: null;
  on_behalf_of: null;
  pause_collection: {
    behavior: "keep_as_draft" | "mark_uncollectible" | "void";
    resumes_at: number | null;
  } | null;
  payment_settings: null;
  pending_invoice_item_interval: null;
  pending_setup_intent: null;
  pending_update: null;
  schedule: null;
  start_date: number;
  status: SubscriptionStatus;
  test_clock: null;
  transfer_data: null;
  trial_end: number | null;
  trial_settings: null;
  trial_start: number | null;
}

export interface InvoiceLineItemObject {
  id: string;
  object: "line_item";
  amount: number;
  currency: string;
  description: string | null;
  discount_amounts: DiscountAmountObject[];
  discountable: boolean;
  discounts: string[];
  invoice: string | null;
  livemode: false;
  metadata: Metadata;
  parent: {
    invoice_item_details: null;
    subscription_item_details: {
      invoice_item: null;
      proration: false;
      proration_details: { credited_items: null };
      subscription: string;
      subscription_item: string;
    };
    type: "subscription_item_details";
  };
  period: { end: number; start: number };
  pretax_credit_amounts: [];
  pricing: {
    price_details: { price: string; product: string };
    type: "price_details";
    unit_amount_decimal: string | null;
  };
  quantity: number | null;
  quantity_decimal: string | null;
  subtotal: number;
  taxes: [];
}

export type InvoiceBillingReason =
  "subscription_create" | "subscription_cycle" | "subscription_update" | "upcoming";

export interface InvoiceObject {
  id: string;
  object: "invoice";
  account_country: string;
  account_name: string;
  amount_due: number;
  amount_overpaid: number;
  amount_paid: number;
  amount_remaining: number;
  amount_shipping: number;
  application: null;
  attempt_count: number;
  attempted: boolean;
  auto_advance: boolean;
  automatic_tax: AutomaticTaxObject & { provider: "stripe" | null; status: "complete" | null };
  automatically_finalizes_at: number | null;
  billing_reason: InvoiceBillingReason;
  collection_method: "charge_automatically";
  created: number;
  currency: string;
  customer: string;
  customer_email: string | null;
  customer_name: string | null;
  default_payment_method: null;
  description: string | null;
  discounts: string[];
  due_date: null;
  effective_at: number | null;
  ending_balance: number | null;
  footer: null;
  hosted_invoice_url: string | null;
  invoice_pdf: null;
  issuer: { type: "self" };
  last_finalization_error: null;
  lines: ListObject<InvoiceLineItemObject>;
  livemode: false;
  metadata: Metadata;
  next_payment_attempt: number | null;
  number: string | null;
  parent: {
    quote_details: null;
    subscription_details: { metadata: Metadata; subscription: string };
    type: "subscription_details";
  };
  period_end: number;
  period_start: number;
  post_payment_credit_notes_amount: number;
  pre_payment_credit_notes_amount: number;
  receipt_number: null;
  starting_balance: number;
  statement_descriptor: null;
  status: "draft" | "open" | "paid" | "uncollectible" | "void";
  status_transitions: {
    finalized_at: number | null;
    marked_uncollectible_at: number | null;
    paid_at: number | null;
    voided_at: number | null;
  };
  subtotal: number;
  subtotal_excluding_tax: number;
  test_clock: null;
  total: number;
  total_discount_amounts: DiscountAmountObject[];
  total_excluding_tax: number;
  total_taxes: [];
  webhooks_delivered_at: number | null;
}

export interface CheckoutSessionObject {
  id: string;
  object: "checkout.session";
  adaptive_pricing: null;
  after_expiration: null;
  allow_promotion_codes: boolean | null;
  amount_subtotal: number;
  amount_total: number;
  automatic_tax: {
    enabled: boolean;
    liability: { type: "self" } | null;
    provider: "stripe" | null;
    status: "complete" | "requires_location_inputs" | null;
  };
  billing_address_collection: "auto" | "required" | null;
  cancel_url: string | null;
  client_reference_id: string | null;
  client_secret: null;
  consent: null;
  consent_collection: null;
  created: number;
  currency: string;
  custom_fields: [];
  custom_text: {
    after_submit: null;
    shipping_address: null;
    submit: null;
    terms_of_service_acceptance: null;
  };
  customer: string | null;
  customer_creation: "always" | null;
  customer_details: {
    address: AddressObject | null;
    email: string | null;
    name: string | null;
    phone: null;
    tax_exempt: "none";
    tax_ids: [];
  } | null;
  customer_email: string | null;
  discounts: Array<{ coupon: string | null; promotion_code: string | null }> | null;
  expires_at: number;
  invoice: string | null;
  invoice_creation: null;
  livemode: false;
  locale: null;
  metadata: Metadata;
  mode: "subscription";
  payment_intent: null;
  payment_link: null;
  payment_method_collection: "always";
  payment_method_types: string[];
  payment_status: "no_payment_required" | "paid" | "unpaid";
  recovered_from: null;
  setup_intent: null;
  shipping_address_collection: null;
  shipping_cost: null;
  shipping_options: [];
  status: "complete" | "expired" | "open";
  submit_type: null;
  subscription: string | null;
  success_url: string | null;
  total_details: { amount_discount: number; amount_shipping: number; amount_tax: number };
  url: string | null;
}

export interface PortalSessionObject {
  id: string;
  object: "billing_portal.session";
  configuration: string;
  created: number;
  customer: string;
  customer_account: null;
  flow: null;
  livemode: false;
  locale: null;
  on_behalf_of: null;
  return_url: string | null;
  url: string;
}
