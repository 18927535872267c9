/**
 * Compile-time proof that the sandbox's objects (objects.ts, billing-objects.ts) match the official
 * SDK's types for the pinned API version: each must be assignable to the SDK type (with decimals as
 * strings, as on the wire, and nested fields optional) and may not add a top-level field the SDK type
 * lacks. Nothing here runs; `tsc --noEmit` fails when the SDK and the sandbox disagree.
 */
import type Stripe from "stripe";
import type * as Billing from "./billing-objects";
import type * as Sandbox from "./objects";

/** A Stripe type as JSON: Decimal becomes string; nested fields become optional. */
type Wire<T> = T extends Stripe.Decimal
  ? string
  : T extends Array<infer U>
    ? Array<Wire<U>>
    : T extends object
      ? { [K in keyof T]?: Wire<T[K]> }
      : T;

/** `true` when Ours fits Theirs and adds no top-level key; otherwise a readable failure. */
type Fits<Ours, Theirs> = [Ours] extends [Wire<Theirs>]
  ? [Exclude<keyof Ours, keyof Theirs>] extends [never]
    ? true
    : { unknownFields: Exclude<keyof Ours, keyof Theirs> }
  : { notAssignableTo: Theirs };

/** Fails to compile, naming the object and the field, unless the check is `true`. */
type Assert<T extends true> = T;

export type _CustomerObject = Assert<Fits<Sandbox.CustomerObject, Stripe.Customer>>;
export type _ProductObject = Assert<Fits<Sandbox.ProductObject, Stripe.Product>>;
export type _PriceObject = Assert<Fits<Sandbox.PriceObject, Stripe.Price>>;
export type _PriceTierObject = Assert<Fits<Sandbox.PriceTierObject, Stripe.Price.Tier>>;
export type _PlanObject = Assert<Fits<Sandbox.PlanObject, Stripe.Plan>>;
export type _PlanTierObject = Assert<Fits<Sandbox.PriceTierObject, Stripe.Plan.Tier>>;
export type _MeterObject = Assert<Fits<Sandbox.MeterObject, Stripe.Billing.Meter>>;
export type _MeterEventObject = Assert<Fits<Sandbox.MeterEventObject, Stripe.Billing.MeterEvent>>;
export type _MeterEventSummaryObject = Assert<
  Fits<Sandbox.MeterEventSummaryObject, Stripe.Billing.MeterEventSummary>
>;
export type _MeterEventSessionObject = Assert<
  Fits<Sandbox.MeterEventSessionObject, Stripe.V2.Billing.MeterEventSession>
>;
// v2 events: `context` and `reason` are null on the wire (Stripe's examples), optional in the SDK.
export type _MeterErrorReportTriggeredEventObject = Assert<
  Fits<
    Omit<Sandbox.MeterErrorReportTriggeredEventObject, "context" | "reason">,
    Stripe.Events.V1BillingMeterErrorReportTriggeredEvent
  >
>;
export type _NoMeterFoundEventObject = Assert<
  Fits<
    Omit<Sandbox.NoMeterFoundEventObject, "context" | "reason">,
    Stripe.Events.V1BillingMeterNoMeterFoundEvent
  >
>;
export type _CouponObject = Assert<Fits<Sandbox.CouponObject, Stripe.Coupon>>;
export type _PromotionCodeObject = Assert<Fits<Sandbox.PromotionCodeObject, Stripe.PromotionCode>>;
export type _DiscountObject = Assert<Fits<Sandbox.DiscountObject, Stripe.Discount>>;
export type _FeatureObject = Assert<Fits<Sandbox.FeatureObject, Stripe.Entitlements.Feature>>;
export type _ProductFeatureObject = Assert<Fits<Sandbox.ProductFeatureObject, Stripe.ProductFeature>>;
export type _ActiveEntitlementObject = Assert<
  Fits<Sandbox.ActiveEntitlementObject, Stripe.Entitlements.ActiveEntitlement>
>;
export type _ActiveEntitlementSummaryObject = Assert<
  Fits<Sandbox.ActiveEntitlementSummaryObject, Stripe.Entitlements.ActiveEntitlementSummary>
>;
export type _SubscriptionItemObject = Assert<Fits<Billing.SubscriptionItemObject, Stripe.SubscriptionItem>>;
export type _SubscriptionObject = Assert<Fits<Billing.SubscriptionObject, Stripe.Subscription>>;
export type _InvoiceLineItemObject = Assert<Fits<Billing.InvoiceLineItemObject, Stripe.InvoiceLineItem>>;
export type _InvoiceObject = Assert<Fits<Billing.InvoiceObject, Stripe.Invoice>>;
export type _CheckoutSessionObject = Assert<Fits<Billing.CheckoutSessionObject, Stripe.Checkout.Session>>;
export type _PortalSessionObject = Assert<Fits<Billing.PortalSessionObject, Stripe.BillingPortal.Session>>;
export type _ListObjectList = Assert<
  Fits<Sandbox.ListObject<Sandbox.CustomerObject>, Stripe.ApiList<Stripe.Customer>>
>;
