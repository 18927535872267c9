import { describe, expect, it } from "vitest";
import { addInterval, aggregate, isAligned, lineAmount, nextPeriodEnd } from "./billing-math";

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
