/**
 * Pure billing arithmetic: billing periods, meter aggregation and line amounts. Kept free of state so
 * it can be tested against tables of cases (billing-math.test.ts).
 */
import type { Interval, MeterFormula } from "./objects";

const DAY = 86_400;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}

/**
 * The time `steps` × `count` intervals after `anchor` (Unix seconds, UTC). Months keep the anchor's
 * day, clamped to the month's end, as Stripe bills: Jan 31 → Feb 28 (29) → Mar 31.
 */
export function addInterval(anchor: number, interval: Interval, count: number, steps = 1): number {
  if (interval === "day") return anchor + steps * count * DAY;
  if (interval === "week") return anchor + steps * count * 7 * DAY;
  const date = new Date(anchor * 1000);
  const months = (interval === "year" ? 12 : 1) * count * steps;
  const total = date.getUTCMonth() + months;
  const year = date.getUTCFullYear() + Math.floor(total / 12);
  const month = ((total % 12) + 12) % 12;
  const day = Math.min(date.getUTCDate(), daysInMonth(year, month));
  return Date.UTC(year, month, day, date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()) / 1000;
}

/** The end of the billing period that follows `periodEnd`, counted from the anchor to avoid drift. */
export function nextPeriodEnd(anchor: number, interval: Interval, count: number, periodEnd: number): number {
  for (let steps = 1; steps < 10_000; steps++) {
    const end = addInterval(anchor, interval, count, steps);
    if (end > periodEnd) return end;
  }
  throw new Error("billing period out of range");
}

/** One meter event as aggregation sees it. */
export interface MeteredValue {
  value: number;
  timestamp: number;
  /** Arrival order, to break ties between events with the same timestamp for `last`. */
  sequence: number;
}

/** Aggregates events per a meter's `default_aggregation.formula`. */
export function aggregate(formula: MeterFormula, events: readonly MeteredValue[]): number {
  if (formula === "count") return events.length;
  if (formula === "sum") {
    // Summing in integer micro-units keeps 0.1 + 0.2 from billing as 0.30000000000000004.
    const micro = events.reduce((total, event) => total + Math.round(event.value * 1e6), 0);
    return micro / 1e6;
  }
  let latest: MeteredValue | undefined;
  for (const event of events) {
    if (
      !latest ||
      event.timestamp > latest.timestamp ||
      (event.timestamp === latest.timestamp && event.sequence > latest.sequence)
    ) {
      latest = event;
    }
  }
  return latest?.value ?? 0;
}

/** The amount in minor units of `quantity` at a per-unit decimal price, rounded half up as Stripe does. */
export function lineAmount(unitAmountDecimal: string | null, quantity: number): number {
  if (unitAmountDecimal === null) return 0;
  return Math.round(Number(unitAmountDecimal) * quantity);
}

/** Whether a summary window boundary is aligned as Stripe requires. */
export function isAligned(timestamp: number, window: "minute" | "hour" | "day"): boolean {
  const size = window === "minute" ? 60 : window === "hour" ? 3600 : DAY;
  return timestamp % size === 0;
}
