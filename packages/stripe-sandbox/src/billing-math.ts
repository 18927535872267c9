/**
 * Pure billing arithmetic: billing periods, meter aggregation and line amounts. Kept free of state so
 * it can be tested against tables of cases (billing-math.test.ts).
 */
import type { Interval, MeterFormula, PriceTierObject, TiersMode } from "./objects";

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

/** The part of a tiered price's charge that falls in one tier: one invoice line. */
export interface TierCharge {
  /** 1-based, as invoices number tiers ("Tier 2"). */
  tier: number;
  quantity: number;
  /** Minor units: the tier's units at its unit amount plus its flat amount, rounded once. */
  amount: number;
  unitAmountDecimal: string | null;
  flatAmountDecimal: string | null;
}

/**
 * What a tiered price charges for `quantity`, per tier (https://docs.stripe.com/products-prices/pricing-models#tiered-pricing).
 * `graduated`: each tier prices the units that fall in it (tier n holds the units above tier n-1's
 * `up_to` up to its own), and every tier the quantity reaches adds its flat amount. `volume`: the
 * tier the whole quantity falls in prices all of it. A quantity of 0 reaches the first tier with 0
 * units (an invoice still shows the line). Tiers are ordered by `up_to`, the last one unbounded.
 */
export function tierCharges(
  tiers: readonly PriceTierObject[],
  mode: TiersMode,
  quantity: number,
): TierCharge[] {
  const charge = (index: number, units: number, tier: PriceTierObject): TierCharge => ({
    tier: index + 1,
    quantity: units,
    amount: Math.round(Number(tier.unit_amount_decimal ?? 0) * units + Number(tier.flat_amount_decimal ?? 0)),
    unitAmountDecimal: tier.unit_amount_decimal,
    flatAmountDecimal: tier.flat_amount_decimal,
  });
  if (mode === "volume") {
    const index = tiers.findIndex((tier) => tier.up_to === null || quantity <= tier.up_to);
    const tier = tiers[index];
    return tier ? [charge(index, quantity, tier)] : [];
  }
  const charges: TierCharge[] = [];
  let below = 0;
  for (const [index, tier] of tiers.entries()) {
    const top = tier.up_to ?? Number.POSITIVE_INFINITY;
    const units = Math.max(0, Math.min(quantity, top) - below);
    if (units > 0 || (index === 0 && quantity <= 0)) charges.push(charge(index, units, tier));
    if (quantity <= top) break;
    below = top;
  }
  return charges;
}

/** Whether a summary window boundary is aligned as Stripe requires. */
export function isAligned(timestamp: number, window: "minute" | "hour" | "day"): boolean {
  const size = window === "minute" ? 60 : window === "hour" ? 3600 : DAY;
  return timestamp % size === 0;
}
