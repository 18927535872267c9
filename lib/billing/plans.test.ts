import { describe, expect, it } from "vitest";
import { catalog } from "@/product/operations";
import {
  annualSaving,
  checkPlanDefinitions,
  FEATURES,
  freePlanOf,
  intervalOfPrices,
  limitsFor,
  pricesFor,
  graduatedChargeCents,
  meteredTiers,
  paidPlans,
  periodChargeCents,
  PLAN_LIST,
  PLANS,
  planForPrices,
  scopeName,
  type PriceRef,
} from "./plans";

describe("the plans", () => {
  it("grants only scopes the API declares, and every scope to some paid plan", () => {
    const scopes = new Set(catalog.scopes);
    for (const plan of PLAN_LIST) {
      for (const feature of plan.features) expect(scopes.has(feature), `${plan.id}: ${feature}`).toBe(true);
    }
    expect(Object.keys(FEATURES)).toEqual(catalog.scopes);
    for (const scope of catalog.scopes) {
      expect(
        paidPlans().some((plan) => plan.features.includes(scope)),
        scope,
      ).toBe(true);
    }
  });

  it("has exactly one plan without Stripe prices, the plan of customers without a subscription", () => {
    expect(freePlanOf(PLAN_LIST).id).toBe("free");
    expect(() => freePlanOf(paidPlans())).toThrow(/exactly one plan without Stripe prices.*declares 0/);
    expect(() => freePlanOf([...PLAN_LIST, PLANS.free])).toThrow(/declares 2/);
  });

  it.each([
    ["get:widgets", "Read widgets"],
    ["export:reports", "Export reports"],
    ["read_all:audit-log", "Read all audit log"],
  ])("names the scope %s %j", (scope, name) => expect(scopeName(scope)).toBe(name));

  it("gives Free read scopes, a hard cap and no Stripe objects", () => {
    expect(PLANS.free).toMatchObject({
      features: ["get:widgets", "read:usage"],
      stripe: null,
      limits: { hardCapUnits: 1_000 },
    });
  });

  it("uses unique lookup keys and product ids", () => {
    const keys = paidPlans().flatMap((plan) => [
      plan.stripe.productId,
      plan.stripe.flatPrice.lookupKey,
      plan.stripe.meteredPrice.lookupKey,
      ...(plan.stripe.yearlyPrice
        ? [plan.stripe.yearlyPrice.lookupKey, plan.stripe.yearlyPrice.meteredLookupKey]
        : []),
    ]);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("annual prices and trials", () => {
  const pro = PLANS.pro as typeof PLANS.pro & { stripe: NonNullable<typeof PLANS.pro.stripe> };
  const monthlyOnly = { ...pro, stripe: { ...pro.stripe, yearlyPrice: undefined } };

  it("sells Pro monthly under its old lookup keys and yearly under its own", () => {
    expect(pricesFor(pro, "month")).toEqual({
      interval: "month",
      flat: { lookupKey: "tollgate_pro_monthly", unitAmountCents: 2_900 },
      meteredLookupKey: "tollgate_pro_units",
    });
    expect(pricesFor(pro, "year")).toEqual({
      interval: "year",
      flat: { lookupKey: "tollgate_pro_yearly", unitAmountCents: 29_000 },
      meteredLookupKey: "tollgate_pro_units_yearly",
    });
  });

  it.each([
    ["week", "ERR_UNKNOWN_INTERVAL"],
    ["", "ERR_UNKNOWN_INTERVAL"],
    ["yearly", "ERR_UNKNOWN_INTERVAL"],
  ])("refuses the interval %j with %s", (interval, code) => {
    expect(() => pricesFor(pro, interval)).toThrow(expect.objectContaining({ code }));
  });

  it("refuses annual billing of a plan without an annual price, saying to choose monthly", () => {
    expect(() => pricesFor(monthlyOnly, "year")).toThrow(
      expect.objectContaining({ code: "ERR_NO_ANNUAL_PRICE", message: expect.stringMatching(/monthly/) }),
    );
    expect(annualSaving(monthlyOnly)).toBeNull();
  });

  it("includes 12 months' units in a year, and keeps the rate limit", () => {
    expect(limitsFor(PLANS.pro, "year")).toEqual({ ...PLANS.pro.limits, includedUnits: 600_000 });
    expect(limitsFor(PLANS.free, "year").hardCapUnits).toBe(12_000);
    expect(limitsFor(PLANS.pro, "month")).toBe(PLANS.pro.limits);
    expect(meteredTiers(pro, "year")[0]).toEqual({ upTo: 600_000, unitAmountDecimalCents: "0" });
  });

  it.each([
    ["pro", 5_800, 2],
    ["scale", 39_800, 2],
  ] as const)("computes what a year of %s saves: %i cents, %i months", (plan, cents, months) => {
    expect(annualSaving(PLANS[plan])).toEqual({ cents, months });
  });

  it.each<[string, PriceRef[], "month" | "year"]>([
    [
      "yearly prices",
      [{ product: "p", lookup_key: null, recurring: { interval: "year", usage_type: "licensed" } }],
      "year",
    ],
    ["monthly prices", [{ product: "p", lookup_key: null, recurring: { interval: "month" } }], "month"],
    ["no recurring data", [{ product: "p", lookup_key: null }], "month"],
  ])("reads the interval of %s", (_name, prices, interval) => {
    expect(intervalOfPrices(prices)).toBe(interval);
  });

  it("finds the plan of an annual subscription by its yearly lookup keys", () => {
    expect(planForPrices([{ product: "prod_x", lookup_key: "tollgate_scale_units_yearly" }])?.id).toBe(
      "scale",
    );
  });

  it.each([
    ["a trial of 0 days", { trialDays: 0 }, /trialDays/],
    ["a trial of 731 days", { trialDays: 731 }, /trialDays/],
    ["a trial of half a day", { trialDays: 0.5 }, /trialDays/],
    [
      "an annual price of 0",
      { yearlyPrice: { lookupKey: "a", unitAmountCents: 0, meteredLookupKey: "b" } },
      /unitAmountCents/,
    ],
    [
      "an annual lookup key another price has",
      { yearlyPrice: { lookupKey: "tollgate_pro_monthly", unitAmountCents: 1, meteredLookupKey: "b" } },
      /tollgate_pro_monthly is used twice/,
    ],
  ])("refuses %s in product/plans.ts", (_name, change, message) => {
    const broken = { ...pro, stripe: { ...pro.stripe, ...change } };
    expect(() => checkPlanDefinitions([broken])).toThrow(message);
    expect(() => checkPlanDefinitions(PLAN_LIST)).not.toThrow();
  });
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

describe("meteredTiers", () => {
  it("includes each paid plan's included units at 0, then charges the overage rate", () => {
    const pro = paidPlans().find((plan) => plan.id === "pro");
    if (!pro) throw new Error("no Pro plan");
    expect(meteredTiers(pro)).toEqual([
      { upTo: 50_000, unitAmountDecimalCents: "0" },
      { upTo: "inf", unitAmountDecimalCents: "0.2" },
    ]);
  });
});

describe("graduatedChargeCents", () => {
  const tiers = [
    { upTo: 100, unitAmountDecimalCents: "0" },
    { upTo: 200, unitAmountDecimalCents: "1.5" },
    { upTo: "inf" as const, unitAmountDecimalCents: "0.25" },
  ];
  it.each([
    [0, 0],
    [100, 0],
    [101, 2], // 1.5 rounds up
    [200, 150],
    [202, 150 + 1], // 0.5 rounds up, per tier
    [1_000, 150 + 200],
  ])("%i units cost %i cents", (units, cents) => {
    expect(graduatedChargeCents(tiers, units)).toBe(cents);
  });
});

describe("periodChargeCents", () => {
  it.each([
    ["free", 5_000, 0],
    ["pro", 0, 2_900],
    ["pro", 10_000, 2_900],
    ["pro", 50_000, 2_900],
    ["pro", 51_500, 2_900 + 300],
    ["pro", 50_003, 2_900 + 1], // 0.6 cents: the invoice line rounds to 1
    ["scale", 1_000_000, 19_900],
    ["scale", 1_250_000, 19_900 + 25_000],
  ] as const)("%s with %i units costs %i cents", (plan, units, cents) => {
    expect(periodChargeCents(PLANS[plan], units)).toBe(cents);
  });
});
