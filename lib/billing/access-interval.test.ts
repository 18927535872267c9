import { describe, expect, it } from "vitest";
import { decideAccess, mayUse, type StoredSubscription } from "./access";
import { PLANS } from "./plans";

const NOW = new Date("2026-06-15T12:00:00Z");
const DAY = 24 * 3600 * 1000;

function sub(status: string, interval: string | undefined, plan = "pro"): StoredSubscription {
  const start = new Date(NOW.getTime() - 10 * DAY);
  const days = interval === "year" ? 365 : 30;
  return {
    id: `sub_${status}_${interval ?? "none"}`,
    status,
    plan,
    currentPeriodStart: start,
    currentPeriodEnd: new Date(start.getTime() + days * DAY),
    ...(interval === undefined ? {} : { interval }),
  };
}

describe("decideAccess for trials and annual subscriptions", () => {
  it.each<[string, StoredSubscription, number, "month" | "year"]>([
    ["a monthly Pro trial", sub("trialing", "month"), PLANS.pro.limits.includedUnits, "month"],
    ["a yearly Pro trial", sub("trialing", "year"), PLANS.pro.limits.includedUnits * 12, "year"],
    ["an active yearly Scale", sub("active", "year", "scale"), PLANS.scale.limits.includedUnits * 12, "year"],
    [
      "a row stored before intervals (monthly)",
      sub("active", undefined),
      PLANS.pro.limits.includedUnits,
      "month",
    ],
    ["an unknown interval, read as monthly", sub("active", "week"), PLANS.pro.limits.includedUnits, "month"],
  ])("%s grants the plan with its period's included units", (_name, subscription, included, interval) => {
    const access = decideAccess([subscription], [], NOW);
    expect(access).toMatchObject({ plan: subscription.plan, status: subscription.status, interval });
    expect(access.limits.includedUnits).toBe(included);
    expect(access.limits.rateLimit).toEqual(PLANS[subscription.plan as "pro"].limits.rateLimit);
    expect(mayUse(access, "create:widgets")).toBe(true);
  });

  it("grants nothing from an ended trial", () => {
    const access = decideAccess([sub("canceled", "year")], [], NOW);
    expect(access).toMatchObject({ plan: "free", status: "free" });
    expect(access.interval).toBeUndefined();
    expect(mayUse(access, "create:widgets")).toBe(false);
  });
});
