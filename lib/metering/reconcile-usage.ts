import "server-only";
import Stripe from "stripe";
import { decideAccess, type StoredSubscription } from "@/lib/billing/access";
import { METER } from "@/lib/billing/plans";
import type { Database } from "@/lib/db";
import { log } from "@/lib/log";
import { meterIdsByEventName } from "./settle-reports";
import { calendarMonth } from "./usage-window";

const DAY_MS = 86_400_000;
/** Stripe calls in flight at once (one per customer and meter). */
const CONCURRENCY = 8;

/** A billing period: [start, end). */
export interface Period {
  start: Date;
  end: Date;
}

/**
 * How a day's numbers compare: equal; Stripe short by no more than what is still to be reported
 * (counters not yet planned, reports pending), which the reporter will send; or a real difference.
 */
export type DayStatus = "ok" | "in flight" | "mismatch";

/** One customer, meter and UTC day. */
export interface ReconcileRow {
  customerId: string;
  email: string;
  stripeCustomerId: string | null;
  meter: string;
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  /** Which billing period the day starts in. */
  period: "current" | "previous";
  /** Units served: the local usage counters. */
  served: number;
  /** What Stripe's meter event summary for the day holds. */
  inStripe: number;
  /** Units served but not yet acknowledged by Stripe: unplanned deltas and pending reports. */
  unreported: number;
  /** `inStripe - served`: positive when Stripe holds more than was served. */
  difference: number;
  status: DayStatus;
}

/** The outcome of a reconciliation over every customer's current and previous billing period. */
export interface Reconciliation {
  rows: ReconcileRow[];
  mismatches: number;
  inFlight: number;
}

/** How a day compares (pure): see DayStatus. */
export function classifyDay(served: number, inStripe: number, unreported: number): DayStatus {
  if (inStripe === served) return "ok";
  if (inStripe < served && served - inStripe <= unreported) return "in flight";
  return "mismatch";
}

/** The same instant one month earlier (UTC), the day clamped to the month's length as Stripe does. */
function monthBefore(date: Date): Date {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth() - 1;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(
      year,
      month,
      Math.min(date.getUTCDate(), lastDay),
      date.getUTCHours(),
      date.getUTCMinutes(),
      date.getUTCSeconds(),
      date.getUTCMilliseconds(),
    ),
  );
}

/**
 * A customer's current and previous billing period (pure): the period of the subscription that grants
 * its plan now (lib/billing/access.ts), the previous one a month before it (the plans are monthly);
 * without one, calendar months, as quotas count them.
 */
export function billingPeriods(
  subscriptions: readonly StoredSubscription[],
  now: Date,
): { current: Period; previous: Period } {
  const period = decideAccess(subscriptions, [], now).period;
  if (period) return { current: period, previous: { start: monthBefore(period.start), end: period.start } };
  const current = calendarMonth(now);
  return { current, previous: calendarMonth(new Date(current.start.getTime() - 1)) };
}

const dayOf = (date: Date) => date.toISOString().slice(0, 10);
const floorDay = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

interface CustomerRow {
  id: string;
  email: string;
  stripe_customer_id: string | null;
}

interface LocalDay {
  customer_id: string;
  meter: string;
  day: string;
  served: bigint;
  unreported: bigint;
}

/**
 * Compares, per customer, meter and UTC day of its current and previous billing period, the units
 * served (usage_counters) with Stripe's meter event summaries (`value_grouping_window: "day"`). Reads
 * only: nothing is sent or changed. Days on which neither side has usage are left out.
 */
export async function reconcileUsage(
  db: Database,
  stripe: Stripe,
  options: { now?: Date } = {},
): Promise<Reconciliation> {
  const now = options.now ?? new Date();
  const end = floorDay(now.getTime()) + DAY_MS;
  const customers = await db.$queryRaw<CustomerRow[]>`SELECT id, email, stripe_customer_id FROM customers`;
  const subscriptions = await db.subscription.findMany();
  const ranges = new Map<string, { current: Period; from: number }>();
  for (const customer of customers) {
    const periods = billingPeriods(
      subscriptions.filter((subscription) => subscription.customerId === customer.id),
      now,
    );
    ranges.set(customer.id, { current: periods.current, from: floorDay(periods.previous.start.getTime()) });
  }
  const from = Math.min(end - DAY_MS, ...[...ranges.values()].map((range) => range.from));

  const local = await db.$queryRaw<LocalDay[]>`
    WITH counted AS (
      SELECT customer_id, meter, to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day,
        sum(units)::bigint AS served, sum(units - reported_units)::bigint AS unplanned
      FROM usage_counters WHERE window_start >= ${new Date(from)} AND window_start < ${new Date(end)}
      GROUP BY 1, 2, 3),
    pending AS (
      SELECT customer_id, meter, to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, sum(value)::bigint AS value
      FROM usage_reports
      WHERE status = 'pending' AND window_start >= ${new Date(from)} AND window_start < ${new Date(end)}
      GROUP BY 1, 2, 3)
    SELECT c.customer_id, c.meter, c.day, c.served, c.unplanned + COALESCE(p.value, 0) AS unreported
    FROM counted c LEFT JOIN pending p USING (customer_id, meter, day)`;

  const meterNames = new Set<string>([METER.eventName, ...local.map((row) => row.meter)]);
  const meters = await meterIdsByEventName(stripe);
  const byKey = new Map<string, ReconcileRow>();
  const rowFor = (customer: CustomerRow, meter: string, day: string): ReconcileRow | undefined => {
    const range = ranges.get(customer.id);
    if (!range || Date.parse(`${day}T00:00:00Z`) < range.from) return undefined;
    const key = `${customer.id}\u0000${meter}\u0000${day}`;
    let row = byKey.get(key);
    if (!row) {
      row = {
        customerId: customer.id,
        email: customer.email,
        stripeCustomerId: customer.stripe_customer_id,
        meter,
        day,
        period: Date.parse(`${day}T00:00:00Z`) < range.current.start.getTime() ? "previous" : "current",
        served: 0,
        inStripe: 0,
        unreported: 0,
        difference: 0,
        status: "ok",
      };
      byKey.set(key, row);
    }
    return row;
  };
  const customersById = new Map(customers.map((customer) => [customer.id, customer]));
  for (const day of local) {
    const customer = customersById.get(day.customer_id);
    const row = customer && rowFor(customer, day.meter, day.day);
    if (!row) continue;
    row.served = Number(day.served);
    row.unreported = Number(day.unreported);
  }

  const queries = customers.flatMap((customer) =>
    customer.stripe_customer_id
      ? [...meterNames].flatMap((meter) => {
          const meterId = meters.get(meter)?.id;
          return meterId
            ? [{ customer, stripeCustomerId: customer.stripe_customer_id ?? "", meter, meterId }]
            : [];
        })
      : [],
  );
  await inParallel(queries, CONCURRENCY, async ({ customer, stripeCustomerId, meter, meterId }) => {
    const range = ranges.get(customer.id);
    if (!range) return;
    try {
      for await (const summary of stripe.billing.meters.listEventSummaries(meterId, {
        customer: stripeCustomerId,
        start_time: range.from / 1000,
        end_time: end / 1000,
        value_grouping_window: "day",
        limit: 100,
      })) {
        if (summary.aggregated_value === 0) continue;
        const row = rowFor(customer, meter, dayOf(new Date(summary.start_time * 1000)));
        if (row) row.inStripe += summary.aggregated_value;
      }
    } catch (error) {
      // A Stripe customer that no longer exists holds nothing: its served days show as differences.
      if (!(error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404))
        throw error;
    }
  });

  const rows = [...byKey.values()].sort(
    (a, b) => a.email.localeCompare(b.email) || a.meter.localeCompare(b.meter) || a.day.localeCompare(b.day),
  );
  for (const row of rows) {
    row.difference = row.inStripe - row.served;
    row.status = classifyDay(row.served, row.inStripe, row.unreported);
  }
  return {
    rows,
    mismatches: rows.filter((row) => row.status === "mismatch").length,
    inFlight: rows.filter((row) => row.status === "in flight").length,
  };
}

/**
 * The exit status of `npm run reconcile:usage`: 1 on any difference; with `allowInFlight`, only on a
 * mismatch (a shortfall the pending reports cannot explain, or more in Stripe than was served).
 */
export function reconciliationExitCode(result: Reconciliation, allowInFlight = false): 0 | 1 {
  return result.mismatches > 0 || (!allowInFlight && result.inFlight > 0) ? 1 : 0;
}

/** The rows as a plain-text table, differences first marked, for a terminal or a log. */
export function formatReconciliation(rows: readonly ReconcileRow[]): string {
  const header = [
    "customer",
    "meter",
    "day",
    "period",
    "served",
    "in Stripe",
    "unreported",
    "difference",
    "status",
  ];
  const lines = rows.map((row) => [
    row.email,
    row.meter,
    row.day,
    row.period,
    String(row.served),
    String(row.inStripe),
    String(row.unreported),
    row.difference > 0 ? `+${row.difference}` : String(row.difference),
    row.status === "mismatch" ? "MISMATCH" : row.status,
  ]);
  const numeric = new Set([4, 5, 6, 7]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column]?.length ?? 0)),
  );
  const format = (cells: string[]) =>
    cells
      .map((cell, column) =>
        numeric.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join("  ")
      .trimEnd();
  return [format(header), format(widths.map((width) => "-".repeat(width))), ...lines.map(format)].join("\n");
}

async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const queue = items.values();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      for (const item of queue) await work(item);
    }),
  );
}

/** Logs a reconciliation for alerting: each mismatched day (an error, by customer id, no email) and a summary. */
export function logReconciliation(reconciliation: Reconciliation): void {
  for (const row of reconciliation.rows) {
    if (row.status !== "mismatch") continue;
    const { email: _email, ...fields } = row;
    log.error("metering.usage_mismatch", fields);
  }
  log.info("metering.reconciled", {
    days: reconciliation.rows.length,
    mismatches: reconciliation.mismatches,
    inFlight: reconciliation.inFlight,
  });
}
