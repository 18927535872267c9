/**
 * Coupons (percent or amount off, once, repeating or forever) and the promotion codes customers type
 * at Checkout (`allow_promotion_codes`). Redemption is in engine/discounts.ts.
 */
import { couponValid } from "../engine/discounts";
import type { SandboxEngine } from "../engine/sandbox-engine";
import { StripeApiError, invalidParam, missingParam, noSuch } from "../errors";
import { newId } from "../ids";
import { matchesRange, newestFirst, paginate } from "../lists";
import type { CouponObject, PromotionCodeObject } from "../objects";
import { route, type ApiRoute } from "./route";

/** A coupon by id, or 404. */
export function coupon(engine: SandboxEngine, id: string, param = "id"): CouponObject {
  const found = engine.state.coupons.get(id);
  if (!found) throw noSuch("coupon", id, param);
  return found;
}

function promotionCode(engine: SandboxEngine, id: string): PromotionCodeObject {
  const found = engine.state.promotionCodes.get(id);
  if (!found) throw noSuch("promotion_code", id);
  return found;
}

/** The coupon as read now: `valid` turns false once its `redeem_by` has passed. */
function current(engine: SandboxEngine, found: CouponObject): CouponObject {
  found.valid = couponValid(found, engine.now());
  return found;
}

export const couponRoutes: ApiRoute[] = [
  // POST /v1/coupons – create a coupon: percent_off, or amount_off with currency
  route("POST", "/v1/coupons", ({ engine, params }) => {
    const id = params.string("id") ?? newId("", 8).replace(/^_/, "");
    if (engine.state.coupons.has(id))
      throw new StripeApiError(
        400,
        "invalid_request_error",
        "Coupon already exists.",
        "resource_already_exists",
        "id",
      );
    const percent = params.decimal("percent_off");
    const amountOff = params.int("amount_off");
    if ((percent === undefined) === (amountOff === undefined))
      throw invalidParam("percent_off", "A coupon takes exactly one of `percent_off` and `amount_off`.");
    const percentOff = percent === undefined ? null : Number(percent);
    if (percentOff !== null && !(percentOff > 0 && percentOff <= 100))
      throw invalidParam("percent_off", "`percent_off` must be greater than 0 and at most 100.");
    if (amountOff !== undefined && amountOff <= 0)
      throw invalidParam("amount_off", "`amount_off` must be a positive integer.");
    const currency = params.string("currency")?.toLowerCase() ?? null;
    if (amountOff !== undefined && !currency) throw missingParam("currency");
    const duration = params.enum("duration", ["forever", "once", "repeating"] as const) ?? "once";
    const months = params.int("duration_in_months") ?? null;
    if (duration === "repeating" && (months === null || months < 1)) throw missingParam("duration_in_months");
    if (duration !== "repeating" && months !== null)
      throw invalidParam("duration_in_months", "`duration_in_months` is only for `duration=repeating`.");
    const created: CouponObject = {
      id,
      object: "coupon",
      amount_off: amountOff ?? null,
      created: engine.now(),
      currency,
      duration,
      duration_in_months: months,
      livemode: false,
      max_redemptions: params.int("max_redemptions") ?? null,
      metadata: params.metadata() ?? {},
      name: params.string("name") ?? null,
      percent_off: percentOff,
      redeem_by: params.int("redeem_by") ?? null,
      times_redeemed: 0,
      valid: true,
    };
    engine.state.coupons.set(id, created);
    engine.emit("coupon.created", created);
    return created;
  }),

  // GET /v1/coupons – list coupons
  route("GET", "/v1/coupons", ({ engine, params }) =>
    paginate(
      newestFirst(engine.state.coupons.values())
        .filter((found) => matchesRange(found.created, params))
        .map((found) => current(engine, found)),
      params,
      "/v1/coupons",
      "coupon",
    ),
  ),

  // GET /v1/coupons/:id – retrieve a coupon
  route("GET", "/v1/coupons/:id", ({ engine, path }) => current(engine, coupon(engine, path.id ?? ""))),

  // POST /v1/promotion_codes – a code customers can type for a coupon
  route("POST", "/v1/promotion_codes", ({ engine, params }) => {
    const promotion = params.object("promotion");
    if (!promotion) throw missingParam("promotion");
    const type = promotion.enum("type", ["coupon"] as const);
    if (!type) throw missingParam("promotion[type]");
    const couponId = promotion.requiredString("coupon");
    coupon(engine, couponId, "promotion[coupon]");
    const code = params.string("code") ?? newId("", 8).replace(/^_/, "").toUpperCase();
    if (!/^[a-zA-Z0-9_-]{1,500}$/.test(code))
      throw invalidParam(
        "code",
        "A promotion code may contain letters, digits, dashes and underscores only.",
      );
    const clash = [...engine.state.promotionCodes.values()].some(
      (other) => other.active && other.code.toLowerCase() === code.toLowerCase(),
    );
    if (clash)
      throw invalidParam(
        "code",
        `An active promotion code with \`code: ${code}\` already exists.`,
        "resource_already_exists",
      );
    const customer = params.string("customer") ?? null;
    if (customer) engine.customer(customer, "customer");
    const restrictions = params.object("restrictions");
    const minimum = restrictions?.int("minimum_amount") ?? null;
    const created: PromotionCodeObject = {
      id: newId("promo"),
      object: "promotion_code",
      active: params.bool("active") ?? true,
      code,
      created: engine.now(),
      customer,
      customer_account: null,
      expires_at: params.int("expires_at") ?? null,
      livemode: false,
      max_redemptions: params.int("max_redemptions") ?? null,
      metadata: params.metadata() ?? {},
      promotion: { coupon: couponId, type },
      restrictions: {
        first_time_transaction: restrictions?.bool("first_time_transaction") ?? false,
        minimum_amount: minimum,
        minimum_amount_currency:
          minimum === null ? null : (restrictions?.requiredString("minimum_amount_currency") ?? null),
      },
      times_redeemed: 0,
    };
    engine.state.promotionCodes.set(created.id, created);
    engine.emit("promotion_code.created", created);
    return created;
  }),

  // GET /v1/promotion_codes – list promotion codes (code, active, coupon, customer)
  route("GET", "/v1/promotion_codes", ({ engine, params }) => {
    const code = params.string("code")?.toLowerCase();
    const active = params.bool("active");
    const couponId = params.string("coupon");
    const customer = params.string("customer");
    return paginate(
      newestFirst(engine.state.promotionCodes.values()).filter(
        (found) =>
          (code === undefined || found.code.toLowerCase() === code) &&
          (active === undefined || found.active === active) &&
          (couponId === undefined || found.promotion.coupon === couponId) &&
          (customer === undefined || found.customer === customer) &&
          matchesRange(found.created, params),
      ),
      params,
      "/v1/promotion_codes",
      "promotion_code",
    );
  }),

  // GET /v1/promotion_codes/:id – retrieve a promotion code
  route("GET", "/v1/promotion_codes/:id", ({ engine, path }) => promotionCode(engine, path.id ?? "")),
];
