import { describe, expect, it } from "vitest";
import { catalog } from "@/lib/api/operations";
import {
  FEATURES,
  isFeature,
  paidPlans,
  periodChargeCents,
  PLANS,
  planForPrices,
  type PriceRef,
} from "./plans";

describe("the plan catalog", () => {
  it("grants only scopes the API declares", () => {
    const scopes = new Set(
      catalog.operations.flatMap(({ scopes }) => ("allOf" in scopes ? scopes.allOf : scopes.anyOf)),
    );
    for (const feature of Object.keys(FEATURES)) expect(scopes.has(feature), feature).toBe(true);
  });

  it("gives Free read scopes, a hard cap and no Stripe objects", () => {
    expect(PLANS.free).toMatchObject({
      features: ["get:widgets"],
      stripe: null,
      limits: { hardCapUnits: 1_000 },
    });
  });

  it("uses unique lookup keys and product ids", () => {
    const keys = paidPlans().flatMap((plan) => [
      plan.stripe.productId,
      plan.stripe.flatPrice.lookupKey,
      plan.stripe.meteredPrice.lookupKey,
    ]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each([
    ["get:widgets", true],
    ["render:widgets", true],
    ["admin:widgets", false],
    ["toString", false],
  ])("isFeature(%s) is %s", (value, expected) => expect(isFeature(value)).toBe(expected));
});

describe("planForPrices", () => {
  it.each<[string, PriceRef[], string | undefined]>([
    ["the Pro product", [{ product: "tollgate_pro", lookup_key: null }], "pro"],
    ["an expanded Scale product", [{ product: { id: "tollgate_scale" }, lookup_key: null }], "scale"],
    ["a Pro lookup key on another product", [{ product: "prod_x", lookup_key: "tollgate_pro_units" }], "pro"],
    [
      "product before lookup key",
      [{ product: "tollgate_scale", lookup_key: "tollgate_pro_monthly" }],
      "scale",
    ],
    ["an unknown price", [{ product: "prod_x", lookup_key: "other" }], undefined],
    ["no prices", [], undefined],
  ])("%s", (_name, prices, expected) => expect(planForPrices(prices)?.id).toBe(expected));
});

describe("periodChargeCents", () => {
  it.each([
    ["free", 5_000, 0],
    ["pro", 0, 2_900],
    ["pro", 10_000, 2_900 + 2_000],
    ["scale", 1_000_000, 19_900 + 100_000],
  ] as const)("%s with %i units costs %i cents", (plan, units, cents) => {
    expect(periodChargeCents(PLANS[plan], units)).toBeCloseTo(cents, 6);
  });
});
