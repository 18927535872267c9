import { describe, expect, it } from "vitest";
import {
  formatCount,
  formatDate,
  formatDateTime,
  formatMoney,
  formatUnits,
  type MoneyDigits,
} from "./format";

describe("formatMoney", () => {
  it.each<[string, number, string, MoneyDigits | undefined, string]>([
    ["whole dollars with cents", 2_900, "usd", undefined, "$29.00"],
    ["cents", 1_234, "usd", undefined, "$12.34"],
    ["thousands", 123_456, "usd", undefined, "$1,234.56"],
    ["zero", 0, "usd", undefined, "$0.00"],
    ["a negative amount (a credit)", -500, "usd", undefined, "-$5.00"],
    ["another currency, in any case", 1_250, "EUR", undefined, "€12.50"],
    ["trim-whole: a whole price", 2_900, "usd", "trim-whole", "$29"],
    ["trim-whole: zero", 0, "usd", "trim-whole", "$0"],
    ["trim-whole: a price with cents keeps both digits", 2_950, "usd", "trim-whole", "$29.50"],
    ["a fraction of a cent to 3 digits", 0.2, "usd", 3, "$0.002"],
    ["a tenth of a cent to 3 digits", 0.1, "usd", 3, "$0.001"],
  ])("%s", (_case, cents, currency, digits, expected) => {
    expect(formatMoney(cents, currency, digits)).toBe(expected);
  });
});

describe("formatCount and formatUnits", () => {
  it.each([
    [0, "0", "0 units"],
    [1, "1", "1 unit"],
    [2, "2", "2 units"],
    [1_000, "1,000", "1,000 units"],
    [1_234_567, "1,234,567", "1,234,567 units"],
  ])("%d", (value, count, units) => {
    expect(formatCount(value)).toBe(count);
    expect(formatUnits(value)).toBe(units);
  });
});

describe("formatDate and formatDateTime", () => {
  it.each([
    ["a date", new Date("2026-12-05T10:30:59.999Z"), "2026-12-05", "2026-12-05 10:30"],
    ["midnight UTC", new Date("2027-01-01T00:00:00.000Z"), "2027-01-01", "2027-01-01 00:00"],
    ["the last minute of a day", new Date("2026-12-31T23:59:00.000Z"), "2026-12-31", "2026-12-31 23:59"],
    ["an offset: written in UTC", new Date("2026-12-05T23:30:00-05:00"), "2026-12-06", "2026-12-06 04:30"],
  ])("%s", (_case, value, day, minute) => {
    expect(formatDate(value)).toBe(day);
    expect(formatDate(value.toISOString())).toBe(day);
    expect(formatDateTime(value)).toBe(minute);
  });
});
