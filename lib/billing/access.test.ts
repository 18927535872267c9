import { describe, expect, it } from "vitest";
import { decideAccess, grantsAccess, mayUse, PAST_DUE_GRACE_MS, type StoredSubscription } from "./access";

const NOW = new Date("2026-06-15T12:00:00Z");
const DAY = 24 * 3600 * 1000;

function sub(status: string, plan = "pro", startedDaysAgo = 10, id = "sub_1"): StoredSubscription {
  const start = new Date(NOW.getTime() - startedDaysAgo * DAY);
  return {
    id,
    status,
    plan,
    currentPeriodStart: start,
    currentPeriodEnd: new Date(start.getTime() + 30 * DAY),
  };
}

describe("grantsAccess", () => {
  it.each([
    ["active", 10, true],
    ["trialing", 10, true],
    ["past_due", 1, true],
    ["past_due", 2.99, true],
    ["past_due", 3.01, false],
    ["canceled", 1, false],
    ["unpaid", 1, false],
    ["incomplete", 0, false],
    ["incomplete_expired", 0, false],
    ["paused", 1, false],
  ] as const)("%s, %d days into the period: %s", (status, days, expected) => {
    expect(grantsAccess(sub(status, "pro", days), NOW, PAST_DUE_GRACE_MS)).toBe(expected);
  });
});

describe("decideAccess", () => {
  it.each<[string, StoredSubscription[], string[], string, string[]]>([
    ["no subscription: Free", [], [], "free", ["get:widgets", "read:usage"]],
    [
      "active Pro without entitlements yet: the plan's features",
      [sub("active")],
      [],
      "pro",
      ["create:widgets", "delete:widgets", "get:widgets", "read:usage", "render:widgets"],
    ],
    [
      "active Pro: Stripe's entitlements plus Free's",
      [sub("active")],
      ["render:widgets"],
      "pro",
      ["get:widgets", "read:usage", "render:widgets"],
    ],
    [
      "canceled Pro with stale entitlements: Free",
      [sub("canceled")],
      ["create:widgets"],
      "free",
      ["get:widgets", "read:usage"],
    ],
    [
      "past_due beyond grace: Free",
      [sub("past_due", "pro", 5)],
      ["create:widgets"],
      "free",
      ["get:widgets", "read:usage"],
    ],
    ["unknown plan: Free", [sub("active", "gold")], [], "free", ["get:widgets", "read:usage"]],
    [
      "the best of two plans",
      [sub("active", "pro", 1, "a"), sub("active", "scale", 1, "b")],
      [],
      "scale",
      ["create:widgets", "delete:widgets", "get:widgets", "read:usage", "render:widgets"],
    ],
  ])("%s", (_name, subscriptions, entitlements, plan, features) => {
    const access = decideAccess(subscriptions, entitlements, NOW);
    expect(access.plan).toBe(plan);
    expect([...access.features].sort()).toEqual(features);
  });

  it("answers mayUse from the features", () => {
    const access = decideAccess([], [], NOW);
    expect([mayUse(access, "get:widgets"), mayUse(access, "create:widgets")]).toEqual([true, false]);
  });

  it("honours a configured grace period", () => {
    expect(decideAccess([sub("past_due", "pro", 5)], [], NOW, 7 * DAY).plan).toBe("pro");
  });
});
