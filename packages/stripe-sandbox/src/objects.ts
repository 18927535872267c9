/**
 * The Stripe objects the sandbox serves, as they travel on the wire (JSON: ids where Stripe returns
 * ids, decimals as strings). shape-check.ts proves at compile time that every field exists on the
 * SDK's own type with a compatible type, so a renamed or moved field (such as `current_period_*`,
 * which moved from subscriptions to subscription items in 2025-03-31.basil) fails `tsc`.
 * Fields Stripe sends that a metered-API SaaS never reads (tax, shipping, Connect) are left out.
 * Subscriptions, invoices and the Checkout and portal sessions are in billing-objects.ts.
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

/** A postal address, as Checkout collects one (`billing_address_collection=required`). */
export interface AddressObject {
  city: string | null;
  country: string | null;
  line1: string | null;
  line2: string | null;
  postal_code: string | null;
  state: string | null;
}

export interface CustomerObject {
  id: string;
  object: "customer";
  address: AddressObject | null;
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

export interface CouponObject {
  id: string;
  object: "coupon";
  amount_off: number | null;
  created: number;
  currency: string | null;
  duration: "forever" | "once" | "repeating";
  duration_in_months: number | null;
  livemode: false;
  max_redemptions: number | null;
  metadata: Metadata;
  name: string | null;
  percent_off: number | null;
  redeem_by: number | null;
  times_redeemed: number;
  valid: boolean;
}

export interface PromotionCodeObject {
  id: string;
  object: "promotion_code";
  active: boolean;
  code: string;
  created: number;
  customer: string | null;
  customer_account: null;
  expires_at: number | null;
  livemode: false;
  max_redemptions: number | null;
  metadata: Metadata;
  promotion: { coupon: string; type: "coupon" };
  restrictions: {
    first_time_transaction: boolean;
    minimum_amount: number | null;
    minimum_amount_currency: string | null;
  };
  times_redeemed: number;
}

/** A coupon applied to a subscription (through a promotion code at Checkout). */
export interface DiscountObject {
  id: string;
  object: "discount";
  checkout_session: string | null;
  customer: string | null;
  customer_account: null;
  end: number | null;
  invoice: null;
  invoice_item: null;
  promotion_code: string | null;
  source: { coupon: string; type: "coupon" };
  start: number;
  subscription: string | null;
  subscription_item: null;
}
