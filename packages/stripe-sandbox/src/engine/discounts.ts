/**
 * Coupons applied through promotion codes: checking a code as Checkout does, the discount it puts on
 * a subscription, and what that discount takes off each invoice (percent or amount off, for `once`,
 * `repeating` or `forever`).
 */
import { addInterval } from "../billing-math";
import type { DiscountAmountObject, InvoiceLineItemObject } from "../billing-objects";
import { invalidParam } from "../errors";
import { newId } from "../ids";
import type { CouponObject, DiscountObject, PromotionCodeObject } from "../objects";
import type { SubscriptionRecord } from "../sandbox-state";
import type { SandboxEngine } from "./sandbox-engine";

/** Whether a coupon can still be redeemed at `now` (its `valid` as Stripe computes it). */
export function couponValid(coupon: CouponObject, now: number): boolean {
  return (
    (coupon.redeem_by === null || coupon.redeem_by > now) &&
    (coupon.max_redemptions === null || coupon.times_redeemed < coupon.max_redemptions)
  );
}

/**
 * The promotion code a customer typed, if it can be redeemed now by `customer`; otherwise a 400 with
 * the reason, as Checkout shows it under the field. Codes match case-insensitively, as on Stripe.
 */
export function redeemablePromotionCode(
  engine: SandboxEngine,
  typed: string,
  customer: string | null,
  param = "promotion_code",
): PromotionCodeObject {
  const now = engine.now();
  const wanted = typed.trim().toLowerCase();
  const promotion = [...engine.state.promotionCodes.values()].find(
    (candidate) => candidate.active && candidate.code.toLowerCase() === wanted,
  );
  const invalid = (why: string) =>
    invalidParam(param, `This code is invalid: ${why}.`, "promotion_code_invalid");
  if (!promotion) throw invalid("no active promotion code has it");
  if (promotion.expires_at !== null && promotion.expires_at <= now) throw invalid("it has expired");
  if (promotion.max_redemptions !== null && promotion.times_redeemed >= promotion.max_redemptions)
    throw invalid("it has been redeemed as often as it may be");
  if (promotion.customer !== null && promotion.customer !== customer)
    throw invalid("it belongs to another customer");
  if (promotion.restrictions.first_time_transaction && customer !== null) {
    const paidBefore = [...engine.state.invoices.values()].some(
      (invoice) => invoice.customer === customer && invoice.amount_paid > 0,
    );
    if (paidBefore) throw invalid("it is for first purchases only");
  }
  const coupon = engine.state.coupons.get(promotion.promotion.coupon);
  if (!coupon || !couponValid(coupon, now)) throw invalid("its coupon is no longer valid");
  return promotion;
}

/** Puts a promotion code's coupon on a new subscription and counts the redemption. */
export function applyPromotionCode(
  engine: SandboxEngine,
  subscription: SubscriptionRecord,
  promotion: PromotionCodeObject,
  checkoutSession: string | null,
): DiscountObject {
  const now = engine.now();
  const coupon = engine.state.coupons.get(promotion.promotion.coupon);
  if (!coupon) throw invalidParam("promotion_code", "This code is invalid: its coupon was deleted.");
  const discount: DiscountObject = {
    id: newId("di"),
    object: "discount",
    checkout_session: checkoutSession,
    customer: subscription.customer,
    customer_account: null,
    end:
      coupon.duration === "repeating" && coupon.duration_in_months !== null
        ? addInterval(now, "month", coupon.duration_in_months)
        : null,
    invoice: null,
    invoice_item: null,
    promotion_code: promotion.id,
    source: { coupon: coupon.id, type: "coupon" },
    start: now,
    subscription: subscription.id,
    subscription_item: null,
  };
  engine.state.discounts.set(discount.id, discount);
  subscription.discounts = [...subscription.discounts, discount.id];
  promotion.times_redeemed += 1;
  coupon.times_redeemed += 1;
  coupon.valid = couponValid(coupon, now);
  return discount;
}

/**
 * Applies a subscription's discounts to an invoice's lines at `created`: sets each line's
 * `discount_amounts` and returns the invoice's totals per discount. A `once` coupon takes the first
 * invoice that charges something (not a trial's free one) and then leaves the subscription, as on
 * Stripe; a `repeating` one applies until its `end`.
 */
export function applyDiscounts(
  engine: SandboxEngine,
  subscription: SubscriptionRecord,
  lines: InvoiceLineItemObject[],
  created: number,
  options: { preview: boolean },
): DiscountAmountObject[] {
  const totals: DiscountAmountObject[] = [];
  const subtotal = lines.reduce((sum, line) => sum + line.amount, 0);
  if (subtotal <= 0) return totals;
  for (const id of subscription.discounts) {
    const discount = engine.state.discounts.get(id);
    const coupon = discount ? engine.state.coupons.get(discount.source.coupon) : undefined;
    if (!discount || !coupon || engine.state.spentDiscounts.has(id)) continue;
    if (discount.end !== null && discount.end <= created) continue;
    const already = totals.reduce((sum, entry) => sum + entry.amount, 0);
    let left =
      coupon.amount_off === null ? Number.POSITIVE_INFINITY : Math.min(coupon.amount_off, subtotal - already);
    let total = 0;
    for (const line of lines) {
      const taken = line.discount_amounts.reduce((sum, entry) => sum + entry.amount, 0);
      const base = line.amount - taken;
      if (base <= 0 || left <= 0) continue;
      const amount =
        coupon.percent_off !== null ? Math.round((base * coupon.percent_off) / 100) : Math.min(base, left);
      if (amount <= 0) continue;
      left -= amount;
      total += amount;
      line.discount_amounts = [...line.discount_amounts, { amount, discount: id }];
      line.discounts = [...line.discounts, id];
    }
    if (total > 0) totals.push({ amount: total, discount: id });
    if (!options.preview && coupon.duration === "once") {
      engine.state.spentDiscounts.add(id);
      subscription.discounts = subscription.discounts.filter((other) => other !== id);
    }
  }
  return totals;
}
