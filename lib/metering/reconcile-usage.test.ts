import { describe, expect, it } from "vitest";
import type { StoredSubscription } from "@/lib/billing/access";
import { billingPeriods, classifyDay, formatReconciliation, type ReconcileRow } from "./reconcile-usage";

const NOW = new Date("2026-12-05T10:00:00Z");

describe("classifyDay", () => {
  it.each([
    { served: 10, inStripe: 10, unreported: 0, status: "ok" },
    { served: 0, inStripe: 0, unreported: 0, status: "ok" },
    { served: 10, inStripe: 7, unreported: 3, status: "in flight" },
    { served: 10, inStripe: 8, unreported: 3, status: "in flight" },
    { served: 10, inStripe: 6, unreported: 3, status: "mismatch" },
    { served: 10, inStripe: 0, unreported: 0, status: "mismatch" },
    { served: 10, inStripe: 11, unreported: 3, status: "mismatch" },
    { served: 0, inStripe: 4, unreported: 0, status: "mismatch" },
  ] as const)("served $served, in Stripe $inStripe, unreported $unreported: $status", (row) => {
    expect(classifyDay(row.served, row.inStripe, row.unreported)).toBe(row.status);
  });
});

const subscription = (start: string, end: string, status = "active"): StoredSubscription => ({
  id: `sub_${start}`,
  status,
  plan: "pro",
  currentPeriodStart: new Date(start),
  currentPeriodEnd: new Date(end),
});

describe("billingPeriods", () => {
  it.each([
    {
      name: "no subscription: this calendar month and the last",
      subscriptions: [],
      current: ["2026-12-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"],
      previous: ["2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z"],
    },
    {
      name: "an active subscription: its period and the month before it",
      subscriptions: [subscription("2026-11-20T14:30:00Z", "2026-12-20T14:30:00Z")],
      current: ["2026-11-20T14:30:00.000Z", "2026-12-20T14:30:00.000Z"],
      previous: ["2026-10-20T14:30:00.000Z", "2026-11-20T14:30:00.000Z"],
    },
    {
      name: "a period from the 1st: the month before starts on the 1st",
      subscriptions: [subscription("2026-12-01T00:00:00Z", "2026-12-31T00:00:00Z")],
      current: ["2026-12-01T00:00:00.000Z", "2026-12-31T00:00:00.000Z"],
      previous: ["2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z"],
    },
    {
      name: "a canceled subscription: calendar months again",
      subscriptions: [subscription("2026-11-20T14:30:00Z", "2026-12-20T14:30:00Z", "canceled")],
      current: ["2026-12-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z"],
      previous: ["2026-11-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z"],
    },
  ])("$name", ({ subscriptions, current, previous }) => {
    const periods = billingPeriods(subscriptions, NOW);
    expect([periods.current.start.toISOString(), periods.current.end.toISOString()]).toEqual(current);
    expect([periods.previous.start.toISOString(), periods.previous.end.toISOString()]).toEqual(previous);
  });

  it("clamps March 31st back to February 28th", () => {
    const periods = billingPeriods(
      [subscription("2027-03-31T08:00:00Z", "2027-04-30T08:00:00Z")],
      new Date("2027-04-02T00:00:00Z"),
    );
    expect(periods.previous.start.toISOString()).toBe("2027-02-28T08:00:00.000Z");
  });
});

describe("formatReconciliation", () => {
  it("prints one aligned line per day, with signed differences and mismatches in capitals", () => {
    const row = (overrides: Partial<ReconcileRow>): ReconcileRow => ({
      customerId: "c",
      email: "ada@example.com",
      stripeCustomerId: "cus_1",
      meter: "api_units",
      day: "2026-12-04",
      period: "current",
      served: 10,
      inStripe: 10,
      unreported: 0,
      difference: 0,
      status: "ok",
      ...overrides,
    });
    const table = formatReconciliation([
      row({}),
      row({ day: "2026-12-05", inStripe: 12, difference: 2, status: "mismatch" }),
    ]);
    expect(table.split("\n")).toEqual([
      "customer         meter      day         period   served  in Stripe  unreported  difference  status",
      "---------------  ---------  ----------  -------  ------  ---------  ----------  ----------  --------",
      "ada@example.com  api_units  2026-12-04  current      10         10           0           0  ok",
      "ada@example.com  api_units  2026-12-05  current      10         12           0          +2  MISMATCH",
    ]);
  });
});
