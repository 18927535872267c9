import "server-only";
import { decideAccess, grantsAccess, PAST_DUE_GRACE_MS } from "@/lib/billing/access";
import { METER, PLAN_LIST, PLANS, type PlanId } from "@/lib/billing/plans";
import type { Database } from "@/lib/db";
import { REPORTER_LEASE } from "@/lib/metering/reporter";
import { calendarMonth } from "@/lib/metering/usage-window";

/** Subscription statuses whose last payment failed and is still owed (Stripe retries, or gave up). */
export const FAILED_PAYMENT_STATUSES = ["past_due", "unpaid", "incomplete"] as const;

/**
 * Outbox statuses of usage Stripe does not hold yet: `pending` is on its way (the reporter retries),
 * the others need a person (see UsageReport.status in prisma/schema.prisma and README, Metering).
 */
export const UNREPORTED_STATUSES = ["pending", "unverified", "rejected", "suspect", "expired"] as const;

/** One customer as the operator sees it. */
export interface AdminCustomer {
  id: string;
  email: string;
  /** The team's name, as its owners set it; null shows the email. */
  name: string | null;
  /** People in the team (a personal account has one; none before its first sign-in). */
  members: number;
  stripeCustomerId: string | null;
  createdAt: Date;
  /** The plan in force now (Free when no subscription grants one). */
  plan: PlanId;
  /** The latest subscription's Stripe status, granting or not; null for a customer who never subscribed. */
  subscriptionStatus: string | null;
  /** The billing period usage counts in: the granting subscription's, else the calendar month. */
  period: { start: Date; end: Date };
  /** Units served this period on the plans' meter. */
  units: number;
  /** Units served (any period, any meter) that Stripe has not been sent yet. */
  unsentUnits: number;
}

/** A subscription whose payment failed. */
export interface FailedPayment {
  subscriptionId: string;
  customerId: string;
  email: string;
  plan: string;
  status: string;
  /** When Stripe last changed it (the failure, or a retry). */
  since: Date;
  /** Whether the customer still has the plan (past_due within the grace period). */
  keepsPlan: boolean;
  /** past_due only: when the plan stops if the payment still fails. */
  graceEndsAt: Date | null;
}

/** A meter event in the outbox that Stripe does not hold (yet). */
export interface UnreportedReport {
  identifier: string;
  customerId: string;
  email: string;
  meter: string;
  windowStart: Date;
  units: number;
  status: string;
  attempts: number;
  lastError: string | null;
  rejectCode: string | null;
  createdAt: Date;
}

/** What the operator's view shows: read-only, from the database alone (no Stripe call). */
export interface AdminOverview {
  now: Date;
  totals: { customers: number; subscribed: number; unitsThisPeriod: number };
  /** Customers per plan in force, in the plans' order. */
  plans: { plan: PlanId; name: string; customers: number }[];
  /** The customers with the most units this period first, at most `limit` of them. */
  customers: AdminCustomer[];
  failedPayments: FailedPayment[];
  unreported: {
    /** Counter deltas the reporter has not planned yet: units minus reported units. */
    unplanned: { units: number; windows: number; oldest: Date | null };
    /** Outbox rows by status (only statuses that have any). */
    byStatus: { status: string; reports: number; units: number; oldest: Date }[];
    /** The oldest of them, at most `limit`. */
    reports: UnreportedReport[];
  };
  webhooks: {
    /** Stripe events applied (the only record the webhook keeps: failures are logged, not stored). */
    applied: number;
    recent: { id: string; type: string; processedAt: Date }[];
  };
  /** The usage reporter's last run, from its lease row; null before the first. */
  reporter: { lastStartedAt: Date | null; lastFinishedAt: Date | null; running: boolean } | null;
}

interface UnitsRow {
  customer_id: string;
  units: bigint;
}

interface UnsentRow {
  customer_id: string;
  units: bigint;
  windows: bigint;
  oldest: Date;
}

/**
 * The operator's overview of the business: customers with plan, status and usage this billing period,
 * failed payments, usage not yet in Stripe and the webhook's recent events. Reads only.
 *
 * @example const overview = await getAdminOverview(getDb(), { limit: 100 });
 */
export async function getAdminOverview(
  db: Database,
  options: { now?: Date; limit?: number } = {},
): Promise<AdminOverview> {
  const now = options.now ?? new Date();
  const limit = options.limit ?? 200;
  const [customers, subscriptions] = await Promise.all([
    db.customer.findMany({
      select: {
        id: true,
        email: true,
        name: true,
        stripeCustomerId: true,
        createdAt: true,
        _count: { select: { memberships: true } },
      },
      orderBy: { email: "asc" },
    }),
    db.subscription.findMany({ orderBy: { stripeUpdatedAt: "desc" } }),
  ]);
  const subscriptionsOf = new Map<string, typeof subscriptions>();
  for (const subscription of subscriptions) {
    const list = subscriptionsOf.get(subscription.customerId) ?? [];
    list.push(subscription);
    subscriptionsOf.set(subscription.customerId, list);
  }
  const decided = customers.map((customer) => {
    const own = subscriptionsOf.get(customer.id) ?? [];
    const access = decideAccess(own, [], now);
    return { customer, access, latest: own[0] ?? null, period: access.period ?? calendarMonth(now) };
  });

  // Each customer's own period: one query joining the counters to a list of (customer, start, end).
  const periodUnits = await db.$queryRaw<UnitsRow[]>`
    SELECT p.customer_id, sum(u.units)::bigint AS units
    FROM unnest(${decided.map((entry) => entry.customer.id)}::text[],
                ${decided.map((entry) => entry.period.start.toISOString())}::text[],
                ${decided.map((entry) => entry.period.end.toISOString())}::text[])
         AS p(customer_id, period_start, period_end)
    JOIN usage_counters u ON u.customer_id = p.customer_id::uuid AND u.meter = ${METER.eventName}
      AND u.window_start >= p.period_start::timestamptz AND u.window_start < p.period_end::timestamptz
    GROUP BY p.customer_id`;
  const unsent = await db.$queryRaw<UnsentRow[]>`
    SELECT customer_id::text AS customer_id, sum(units - reported_units)::bigint AS units,
      count(*)::bigint AS windows, min(window_start) AS oldest
    FROM usage_counters WHERE units > reported_units GROUP BY customer_id`;
  const unitsOf = new Map(periodUnits.map((row) => [row.customer_id, Number(row.units)]));
  const unsentOf = new Map(unsent.map((row) => [row.customer_id, Number(row.units)]));

  const rows: AdminCustomer[] = decided.map(
    ({ customer: { _count, ...customer }, access, latest, period }) => ({
      ...customer,
      members: _count.memberships,
      plan: access.plan,
      subscriptionStatus: latest?.status ?? null,
      period,
      units: unitsOf.get(customer.id) ?? 0,
      unsentUnits: unsentOf.get(customer.id) ?? 0,
    }),
  );

  const emailOf = new Map(customers.map((customer) => [customer.id, customer.email]));
  const failedPayments: FailedPayment[] = subscriptions
    .filter((subscription) => (FAILED_PAYMENT_STATUSES as readonly string[]).includes(subscription.status))
    .map((subscription) => ({
      subscriptionId: subscription.id,
      customerId: subscription.customerId,
      email: emailOf.get(subscription.customerId) ?? "",
      plan: subscription.plan,
      status: subscription.status,
      since: subscription.stripeUpdatedAt,
      keepsPlan: grantsAccess(subscription, now),
      graceEndsAt:
        subscription.status === "past_due"
          ? new Date(subscription.currentPeriodStart.getTime() + PAST_DUE_GRACE_MS)
          : null,
    }));

  const statuses = [...UNREPORTED_STATUSES];
  const [byStatus, reports, applied, recent, lease] = await Promise.all([
    db.usageReport.groupBy({
      by: ["status"],
      where: { status: { in: statuses } },
      _count: { _all: true },
      _sum: { value: true },
      _min: { createdAt: true },
    }),
    db.usageReport.findMany({
      where: { status: { in: statuses } },
      orderBy: [{ createdAt: "asc" }, { identifier: "asc" }],
      take: limit,
    }),
    db.stripeEvent.count(),
    db.stripeEvent.findMany({ orderBy: { processedAt: "desc" }, take: 10 }),
    db.jobLease.findUnique({ where: { name: REPORTER_LEASE } }),
  ]);

  return {
    now,
    totals: {
      customers: rows.length,
      subscribed: rows.filter((row) => PLANS[row.plan].stripe !== null).length,
      unitsThisPeriod: rows.reduce((sum, row) => sum + row.units, 0),
    },
    plans: PLAN_LIST.map((plan) => ({
      plan: plan.id,
      name: plan.name,
      customers: rows.filter((row) => row.plan === plan.id).length,
    })),
    customers: rows.sort((a, b) => b.units - a.units || a.email.localeCompare(b.email)).slice(0, limit),
    failedPayments,
    unreported: {
      unplanned: {
        units: unsent.reduce((sum, row) => sum + Number(row.units), 0),
        windows: unsent.reduce((sum, row) => sum + Number(row.windows), 0),
        oldest: unsent.reduce<Date | null>(
          (oldest, row) => (oldest === null || row.oldest < oldest ? row.oldest : oldest),
          null,
        ),
      },
      byStatus: statuses.flatMap((status) => {
        const group = byStatus.find((entry) => entry.status === status);
        return group
          ? [
              {
                status,
                reports: group._count._all,
                units: Number(group._sum.value ?? 0),
                oldest: group._min.createdAt ?? now,
              },
            ]
          : [];
      }),
      reports: reports.map((report) => ({
        identifier: report.identifier,
        customerId: report.customerId,
        email: emailOf.get(report.customerId) ?? "",
        meter: report.meter,
        windowStart: report.windowStart,
        units: Number(report.value),
        status: report.status,
        attempts: report.attempts,
        lastError: report.lastError,
        rejectCode: report.rejectCode,
        createdAt: report.createdAt,
      })),
    },
    webhooks: { applied, recent },
    reporter: lease
      ? {
          lastStartedAt: lease.lastStartedAt,
          lastFinishedAt: lease.lastFinishedAt,
          running: lease.expiresAt > now,
        }
      : null,
  };
}
