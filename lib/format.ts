// How the UI writes money, counts and dates: one place, so every page says "$29.00", "1,000" and
// "2026-12-05" alike. Dates are UTC, as Stripe's periods and the usage windows are.

const counts = new Intl.NumberFormat("en-US");

/** How many fraction digits money shows: the currency's own, none for whole amounts, or exactly n. */
export type MoneyDigits = "currency" | "trim-whole" | number;

/**
 * An amount in cents as money: `formatMoney(2900, "usd")` is "$29.00", with `"trim-whole"` "$29", and
 * `formatMoney(0.2, "usd", 3)` (a fraction of a cent, as metered prices are) "$0.002".
 */
export function formatMoney(cents: number, currency: string, digits: MoneyDigits = "currency"): string {
  return new Intl.NumberFormat("en-US", {
    style: "currency",
    currency: currency.toUpperCase(),
    ...(digits === "trim-whole"
      ? { trailingZeroDisplay: "stripIfInteger" }
      : typeof digits === "number"
        ? { minimumFractionDigits: digits, maximumFractionDigits: digits }
        : {}),
  }).format(cents / 100);
}

/** A count with thousands separators: `formatCount(1000)` is "1,000". */
export function formatCount(value: number): string {
  return counts.format(value);
}

/** A count of metered units: "1 unit", "1,000 units". */
export function formatUnits(value: number): string {
  return `${formatCount(value)} ${value === 1 ? "unit" : "units"}`;
}

/** The UTC day of a date or ISO timestamp: "2026-12-05". */
export function formatDate(value: Date | string): string {
  return new Date(value).toISOString().slice(0, 10);
}

/** The UTC day and minute of a date: "2026-12-05 10:30". */
export function formatDateTime(value: Date): string {
  return value.toISOString().slice(0, 16).replace("T", " ");
}
