/**
 * The Stripe objects the sandbox serves, as they travel on the wire (JSON: ids where Stripe returns
 * ids, decimals as strings). shape-check.ts proves at compile time that every field exists on the
 * SDK's own type with a compatible type, so a renamed or moved field (such as `current_period_*`,
 * which moved from subscriptions to subscription items in 2025-03-31.basil) fails `tsc`.
 * Fields Stripe sends that a metered-API SaaS never reads (tax, shipping, Connect) are left out.
 */

export type Metadata = Record<string, string>;
export type Interval = "day" | "week" | "month" | "year";

/** Stripe's list envelope. */
export interface ListObject<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  url: string;
}

/** What DELETE answers. */
export interface DeletedObject {
  id: string;
  object: string;
  deleted: true;
}

export interface CustomerObject {
  id: string;
  object: "customer";
  address: null;
  balance: number;
  created: number;
  currency: string | null;
  default_source: null;
  delinquent: boolean;
  description: string | null;
  email: string | null;
  invoice_prefix: string;
  invoice_settings: {
    custom_fields: null;
    default_payment_method: null;
    footer: null;
    rendering_options: null;
  };
  livemode: false;
  metadata: Metadata;
  name: string | null;
  next_invoice_sequence: number;
  phone: string | null;
  preferred_locales: string[];
  shipping: null;
  tax_exempt: "none";
  test_clock: null;
}

export interface ProductObject {
  id: string;
  object: "product";
  active: boolean;
  created: number;
  default_price: string | null;
  description: string | null;
  images: string[];
  livemode: false;
  marketing_features: Array<{ name: string }>;
  metadata: Metadata;
  name: string;
  package_dimensions: null;
  shippable: null;
  statement_descriptor: string | null;
  tax_code: null;
  type: "service";
  unit_label: string | null;
  updated: number;
  url: string | null;
}

export interface RecurringObject {
  interval: Interval;
  interval_count: number;
  meter: string | null;
  trial_period_days: number | null;
  usage_type: "licensed" | "metered";
}

/**
 * One tier of a tiered price. Stripe includes a price's `tiers` only when asked (`expand[]=tiers`,
 * `expand[]=data.tiers`), so the sandbox keeps them beside the price (SandboxState.priceTiers).
 */
export interface PriceTierObject {
  flat_amount: number | null;
  flat_amount_decimal: string | null;
  unit_amount: number | null;
  unit_amount_decimal: string | null;
  /** Up to and including this quantity; null for the last tier (`up_to=inf`). */
  up_to: number | null;
}

export type BillingScheme = "per_unit" | "tiered";
export type TiersMode = "graduated" | "volume";

export interface PriceObject {
  id: string;
  object: "price";
  active: boolean;
  billing_scheme: BillingScheme;
  created: number;
  currency: string;
  custom_unit_amount: null;
  livemode: false;
  lookup_key: string | null;
  metadata: Metadata;
  nickname: string | null;
  product: string;
  recurring: RecurringObject | null;
  tax_behavior: "exclusive" | "inclusive" | "unspecified";
  tiers_mode: TiersMode | null;
  transform_quantity: null;
  type: "one_time" | "recurring";
  unit_amount: number | null;
  unit_amount_decimal: string | null;
}

/** The legacy mirror of a recurring price that subscription items still carry. */
export interface PlanObject {
  id: string;
  object: "plan";
  active: boolean;
  amount: number | null;
  amount_decimal: string | null;
  billing_scheme: BillingScheme;
  created: number;
  currency: string;
  interval: Interval;
  interval_count: number;
  livemode: false;
  metadata: Metadata;
  meter: string | null;
  nickname: string | null;
  product: string;
  tiers_mode: TiersMode | null;
  transform_usage: null;
  trial_period_days: number | null;
  usage_type: "licensed" | "metered";
}

export type MeterFormula = "count" | "sum" | "last";

export interface MeterObject {
  id: string;
  object: "billing.meter";
  created: number;
  customer_mapping: { event_payload_key: string; type: "by_id" };
  default_aggregation: { formula: MeterFormula };
  display_name: string;
  event_name: string;
  event_time_window: "day" | "hour" | null;
  livemode: false;
  status: "active" | "inactive";
  status_transitions: { deactivated_at: number | null };
  updated: number;
  value_settings: { event_payload_key: string };
}

export interface MeterEventObject {
  object: "billing.meter_event";
  created: number;
  event_name: string;
  identifier: string;
  livemode: false;
  payload: Record<string, string>;
  timestamp: number;
}

/** `POST /v2/billing/meter_event_session`: a v2 object, so times are RFC 3339 strings. */
export interface MeterEventSessionObject {
  id: string;
  object: "v2.billing.meter_event_session";
  authentication_token: string;
  created: string;
  expires_at: string;
  livemode: false;
}

export interface MeterEventSummaryObject {
  id: string;
  object: "billing.meter_event_summary";
  aggregated_value: number;
  end_time: number;
  livemode: false;
  meter: string;
  start_time: number;
}

export interface FeatureObject {
  id: string;
  object: "entitlements.feature";
  active: boolean;
  livemode: false;
  lookup_key: string;
  metadata: Metadata;
  name: string;
}

export interface ProductFeatureObject {
  id: string;
  object: "product_feature";
  entitlement_feature: FeatureObject;
  livemode: false;
}

export interface ActiveEntitlementObject {
  id: string;
  object: "entitlements.active_entitlement";
  feature: string;
  livemode: false;
  lookup_key: string;
}

export interface ActiveEntitlementSummaryObject {
  object: "entitlements.active_entitlement_summary";
  customer: string;
  entitlements: ListObject<ActiveEntitlementObject>;
  livemode: false;
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
  automatic_tax: { disabled_reason: null; enabled: false; liability: null };
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
  discount_amounts: [];
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
  automatic_tax: { disabled_reason: null; enabled: false; liability: null; provider: null; status: null };
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
  total_discount_amounts: [];
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
  automatic_tax: { enabled: false; liability: null; provider: null; status: null };
  billing_address_collection: null;
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
    address: null;
    email: string | null;
    name: string | null;
    phone: null;
    tax_exempt: "none";
    tax_ids: [];
  } | null;
  customer_email: string | null;
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

export interface EventObject {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  data: { object: object; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

/** The object a v2 event points at (`related_object`), with the path that retrieves it. */
export interface V2RelatedObject {
  id: string;
  type: string;
  url: string;
}

/**
 * `data` of Stripe's meter error report events (`v1.billing.meter.error_report_triggered`, and
 * `v1.billing.meter.no_meter_found` for events naming no meter): counts per error code, with a few
 * sample errors that carry the meter event's `identifier`.
 */
export interface MeterErrorReportData {
  developer_message_summary: string;
  reason: {
    error_count: number;
    error_types: Array<{
      code: string;
      error_count: number;
      sample_errors: Array<{ error_message: string; request: { identifier: string } }>;
    }>;
  };
  validation_end: string;
  validation_start: string;
}

/** What every v2 event has; `context` and `reason` are null on the wire, as in Stripe's examples. */
interface V2EventBase {
  id: string;
  object: "v2.core.event";
  context: null;
  created: string;
  livemode: false;
  reason: null;
}

/** `v1.billing.meter.error_report_triggered`: events of an existing meter were dropped. */
export interface MeterErrorReportTriggeredEventObject extends V2EventBase {
  type: "v1.billing.meter.error_report_triggered";
  data: MeterErrorReportData;
  related_object: V2RelatedObject;
}

/** `v1.billing.meter.no_meter_found`: events naming no meter were dropped (no related object). */
export interface NoMeterFoundEventObject extends V2EventBase {
  type: "v1.billing.meter.no_meter_found";
  data: MeterErrorReportData;
}

/** A v2 event as `GET /v2/core/events/:id` returns it (times are RFC 3339 strings). */
export type V2EventObject = MeterErrorReportTriggeredEventObject | NoMeterFoundEventObject;

/** What an event destination receives: the event without `data` (a thin event). */
export type ThinEventObject = V2EventBase & {
  type: V2EventObject["type"];
  related_object?: V2RelatedObject;
};
