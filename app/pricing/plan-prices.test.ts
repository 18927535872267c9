import { describe, expect, it } from "vitest";
import { PLANS } from "@/lib/billing/plans";
import { intervalParam, priceLabel, savingLabel, trialLabel } from "./plan-prices";

describe("the pricing page's labels", () => {
  it.each([
    ["year", "year"],
    ["month", "month"],
    [undefined, "month"],
    ["weekly", "month"],
    [["year", "month"], "month"],
  ] as const)("reads ?interval=%j as %s", (value, interval) => {
    expect(intervalParam(value as string | string[] | undefined)).toBe(interval);
  });

  it.each([
    ["free", "month", "$0"],
    ["pro", "month", "$29 / month"],
    ["pro", "year", "$290 / year"],
    ["scale", "year", "$1,990 / year"],
  ] as const)("prices %s billed per %s as %s", (plan, interval, label) => {
    expect(priceLabel(PLANS[plan], interval)).toBe(label);
  });

  it("computes the saving from the prices and names the trial", () => {
    expect(savingLabel(PLANS.pro)).toBe("2 months free (save $58)");
    expect(savingLabel(PLANS.free)).toBeNull();
    expect(trialLabel(PLANS.pro)).toBe("14-day free trial");
    expect(trialLabel(PLANS.scale)).toBeNull();
  });
});
