import { describe, expect, it } from "vitest";
import { addInterval, aggregate, isAligned, lineAmount, nextPeriodEnd, tierCharges } from "./billing-math";

const at = (iso: string) => Date.parse(iso) / 1000;

describe("addInterval", () => {
  it.each([
    ["2026-01-31T10:00:00Z", "month", 1, 1, "2026-02-28T10:00:00Z"],
    ["2028-01-31T10:00:00Z", "month", 1, 1, "2028-02-29T10:00:00Z"],
    ["2026-01-31T10:00:00Z", "month", 1, 2, "2026-03-31T10:00:00Z"],
    ["2026-12-15T00:00:00Z", "month", 1, 1, "2027-01-15T00:00:00Z"],
    ["2026-03-01T00:00:00Z", "month", 3, 1, "2026-06-01T00:00:00Z"],
    ["2028-02-29T00:00:00Z", "year", 1, 1, "2029-02-28T00:00:00Z"],
    ["2026-03-01T00:00:00Z", "week", 2, 1, "2026-03-15T00:00:00Z"],
    ["2026-03-01T00:00:00Z", "day", 1, 3, "2026-03-04T00:00:00Z"],
  ] as const)("%s + %s×%i (%i steps) = %s", (start, interval, count, steps, expected) => {
    expect(addInterval(at(start), interval, count, steps)).toBe(at(expected));
  });
});

describe("nextPeriodEnd", () => {
  it("counts from the anchor, so a short month does not shift later periods", () => {
    const anchor = at("2026-01-31T00:00:00Z");
    const feb = nextPeriodEnd(anchor, "month", 1, anchor);
    expect(feb).toBe(at("2026-02-28T00:00:00Z"));
    expect(nextPeriodEnd(anchor, "month", 1, feb)).toBe(at("2026-03-31T00:00:00Z"));
  });
});

describe("aggregate", () => {
  const events = [
    { value: 0.1, timestamp: 10, sequence: 1 },
    { value: 0.2, timestamp: 30, sequence: 2 },
    { value: 5, timestamp: 20, sequence: 3 },
    { value: 7, timestamp: 30, sequence: 4 },
  ];
  it.each([
    ["sum", 12.3],
    ["count", 4],
    ["last", 7],
  ] as const)("%s", (formula, expected) => {
    expect(aggregate(formula, events)).toBe(expected);
  });
  it("is 0 without events", () => {
    expect(aggregate("sum", [])).toBe(0);
    expect(aggregate("last", [])).toBe(0);
  });
});

describe("lineAmount and isAligned", () => {
  it.each([
    ["2000", 1, 2000],
    ["0.5", 3, 2],
    ["0.25", 10, 3],
    [null, 5, 0],
  ] as const)("%s × %i = %i", (unit, quantity, expected) => {
    expect(lineAmount(unit, quantity)).toBe(expected);
  });
  it("checks window boundaries", () => {
    expect(isAligned(at("2026-03-01T10:00:00Z"), "hour")).toBe(true);
    expect(isAligned(at("2026-03-01T10:00:30Z"), "minute")).toBe(false);
    expect(isAligned(at("2026-03-01T10:00:00Z"), "day")).toBe(false);
  });
});

describe("tierCharges", () => {
  const tier = (upTo: number | null, unit: string | null, flat: string | null = null) => ({
    up_to: upTo,
    unit_amount_decimal: unit,
    unit_amount: null,
    flat_amount_decimal: flat,
    flat_amount: null,
  });
  // Pro's metered price: 50,000 units included, then 0.2 cents a unit.
  const included = [tier(50_000, "0"), tier(null, "0.2")];
  const stepped = [tier(10, "100", "500"), tier(20, "50"), tier(null, "10", "1000")];
  const total = (charges: { amount: number }[]) => charges.reduce((sum, charge) => sum + charge.amount, 0);

  it.each([
    ["nothing used", included, 0, [[1, 0, 0]]],
    ["inside the included tier", included, 49_999, [[1, 49_999, 0]]],
    ["exactly the included units", included, 50_000, [[1, 50_000, 0]]],
    [
      "one unit over",
      included,
      50_001,
      [
        [1, 50_000, 0],
        [2, 1, 0],
      ],
    ],
    [
      "1,500 units over",
      included,
      51_500,
      [
        [1, 50_000, 0],
        [2, 1_500, 300],
      ],
    ],
    [
      "fractional usage, rounded per line",
      included,
      50_002.5,
      [
        [1, 50_000, 0],
        [2, 2.5, 1],
      ],
    ],
    [
      "flat amounts of every tier reached",
      stepped,
      25,
      [
        [1, 10, 1_500],
        [2, 10, 500],
        [3, 5, 1_050],
      ],
    ],
    ["a flat first tier at zero", stepped, 0, [[1, 0, 500]]],
  ] as const)("graduated: %s", (_name, tiers, quantity, expected) => {
    const charges = tierCharges(tiers, "graduated", quantity);
    expect(charges.map((charge) => [charge.tier, charge.quantity, charge.amount])).toEqual(expected);
  });

  it.each([
    [5, 1, 1_000],
    [10, 1, 1_500],
    [11, 2, 550],
    [30, 3, 1_300],
  ])("volume: %i units all priced at tier %i, %i in all", (quantity, tierNumber, amount) => {
    const charges = tierCharges(stepped, "volume", quantity);
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ tier: tierNumber, quantity });
    expect(total(charges)).toBe(amount);
  });
});
