import type Stripe from "stripe";

/**
 * The thin events the event destination applies (Stripe's meter error reports); every other type is
 * acknowledged and ignored. Enable exactly these on the destination (`npm run setup:stripe` prints them).
 */
export const HANDLED_NOTIFICATION_TYPES = [
  "v1.billing.meter.error_report_triggered",
  "v1.billing.meter.no_meter_found",
] as const satisfies readonly Stripe.V2.Core.Event["type"][];
