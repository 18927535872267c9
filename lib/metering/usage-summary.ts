import "server-only";
import type { CustomerAccess } from "@/lib/billing/access";
import { CURRENCY, METER, periodChargeCents, PLANS } from "@/lib/billing/plans";
import type { Database } from "@/lib/db";
import { calendarMonth } from "./usage-window";

/** A customer's usage for people (the dashboard): this period, per day, against the plan. */
export interface UsageSummary {
  plan: CustomerAccess["plan"];
  meter: string;
  period: { start: string; end: string };
  /** Units used this period (served calls, whether or not already reported to Stripe). */
  units: number;
  /** Units per UTC day of the period, every day up to today (zeros included), for a chart. */
  daily: { date: string; units: number }[];
  includedUnits: number;
  remainingIncludedUnits: number;
  /** The plan's hard cap, if it has one; calls beyond it are refused. */
  capUnits: number | null;
  /** The next invoice as the catalog prices it: flat fee plus the units beyond the included ones. */
  estimate: { currency: string; amountCents: number };
}

const DAY_MS = 86_400_000;

/**
 * Usage this billing period for a customer, read from the local counters (seconds fresh: every
 * answered call is committed before its response), with the next invoice estimated from the catalog.
 */
export async function getUsageSummary(
  db: Database,
  customerId: string,
  access: CustomerAccess,
  now = new Date(),
): Promise<UsageSummary> {
  const period = access.period ?? calendarMonth(now);
  const rows = await db.usageCounter.findMany({
    where: { customerId, meter: METER.eventName, windowStart: { gte: period.start, lt: period.end } },
    select: { windowStart: true, units: true },
  });
  const byDay = new Map<string, number>();
  let units = 0;
  for (const row of rows) {
    const day = row.windowStart.toISOString().slice(0, 10);
    byDay.set(day, (byDay.get(day) ?? 0) + Number(row.units));
    units += Number(row.units);
  }
  const daily: UsageSummary["daily"] = [];
  const last = Math.min(now.getTime(), period.end.getTime() - 1);
  for (let day = Math.floor(period.start.getTime() / DAY_MS) * DAY_MS; day <= last; day += DAY_MS) {
    const date = new Date(day).toISOString().slice(0, 10);
    daily.push({ date, units: byDay.get(date) ?? 0 });
  }
  const plan = PLANS[access.plan];
  return {
    plan: access.plan,
    meter: METER.eventName,
    period: { start: period.start.toISOString(), end: period.end.toISOString() },
    units,
    daily,
    includedUnits: access.limits.includedUnits,
    remainingIncludedUnits: Math.max(0, access.limits.includedUnits - units),
    capUnits: access.limits.hardCapUnits,
    estimate: { currency: CURRENCY, amountCents: periodChargeCents(plan, units, access.interval) },
  };
}
