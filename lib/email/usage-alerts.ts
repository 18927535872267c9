import "server-only";
import { decideAccess } from "@/lib/billing/access";
import { METER } from "@/lib/billing/plans";
import { getConfig } from "@/lib/config";
import type { Database } from "@/lib/db";
import { calendarMonth } from "@/lib/metering/usage-window";
import type { Mailer } from "./mailer";
import { BILLING_ROLES, dashboardUrl, teamRecipients } from "./recipients";
import { sendEmailOnce, type SendOutcome } from "./send-email-once";
import { usageThresholdEmail } from "./templates";

/** The shares of a period's limit that are worth an email, highest first. */
export const USAGE_THRESHOLDS = [100, 80] as const;
export type UsageThreshold = (typeof USAGE_THRESHOLDS)[number];

/** A customer's usage against the limit an email speaks of. */
export interface UsageStanding {
  used: number;
  /** The hard cap if the plan has one (calls past it are refused), else the included units. */
  limit: number;
  limitKind: "cap" | "included";
}

/**
 * The highest threshold `standing` has reached, or null: one email at a time, so a team that jumps
 * from 50% to 120% between two runs hears "100%", not both.
 */
export function reachedThreshold(standing: UsageStanding): UsageThreshold | null {
  if (standing.limit <= 0) return null;
  return USAGE_THRESHOLDS.find((percent) => standing.used * 100 >= standing.limit * percent) ?? null;
}

// Crossing a threshold takes new usage, whose counters' windows start within the period and at most an
// hour before it: customers without a counter this recent cannot have crossed one since the last run.
const RECENT_USAGE_MS = 35 * 86_400_000;

interface UnitsRow {
  customer_id: string;
  units: bigint;
}

/** What one run sent, by threshold. */
export interface UsageAlertsSummary {
  checked: number;
  sent: Array<{ customerId: string; percent: UsageThreshold; outcome: SendOutcome["status"] }>;
}

/**
 * Emails each team whose usage this billing period reached 80% or 100% of its plan's cap (or, without
 * a cap, of its included units), once per threshold and period: cause
 * `usage_<80|100>:<customer id>:<meter>:<period start ISO>`. Runs off the request path (the email job).
 */
export async function sendUsageAlerts(
  db: Database,
  options: { now?: Date; mailer?: Mailer | null } = {},
): Promise<UsageAlertsSummary> {
  const now = options.now ?? new Date();
  const recent = await db.usageCounter.findMany({
    where: { meter: METER.eventName, windowStart: { gte: new Date(now.getTime() - RECENT_USAGE_MS) } },
    distinct: ["customerId"],
    select: { customerId: true },
  });
  const customerIds = recent.map((row) => row.customerId);
  if (customerIds.length === 0) return { checked: 0, sent: [] };

  const subscriptions = await db.subscription.findMany({
    where: { customerId: { in: customerIds }, status: { in: ["active", "trialing", "past_due"] } },
    select: {
      id: true,
      customerId: true,
      status: true,
      plan: true,
      interval: true,
      currentPeriodStart: true,
      currentPeriodEnd: true,
    },
  });
  const standings = customerIds.map((customerId) => {
    const own = subscriptions.filter((subscription) => subscription.customerId === customerId);
    // An annual subscription's limits are its plan's for the year it is billed over (limitsFor).
    const access = decideAccess(own, [], now);
    const { hardCapUnits, includedUnits } = access.limits;
    return {
      customerId,
      period: access.period ?? calendarMonth(now),
      limit: hardCapUnits ?? includedUnits,
      limitKind: hardCapUnits === null ? ("included" as const) : ("cap" as const),
    };
  });

  const rows = await db.$queryRaw<UnitsRow[]>`
    SELECT p.customer_id, sum(u.units)::bigint AS units
    FROM unnest(${standings.map((entry) => entry.customerId)}::text[],
                ${standings.map((entry) => entry.period.start.toISOString())}::text[],
                ${standings.map((entry) => entry.period.end.toISOString())}::text[])
         AS p(customer_id, period_start, period_end)
    JOIN usage_counters u ON u.customer_id = p.customer_id::uuid AND u.meter = ${METER.eventName}
      AND u.window_start >= p.period_start::timestamptz AND u.window_start < p.period_end::timestamptz
    GROUP BY p.customer_id`;
  const usedBy = new Map(rows.map((row) => [row.customer_id, Number(row.units)]));

  const summary: UsageAlertsSummary = { checked: standings.length, sent: [] };
  const usageUrl = dashboardUrl(getConfig().auth.appBaseUrl, "/dashboard");
  for (const standing of standings) {
    const used = usedBy.get(standing.customerId) ?? 0;
    const percent = reachedThreshold({ used, limit: standing.limit, limitKind: standing.limitKind });
    if (percent === null) continue;
    const cause = `usage_${percent}:${standing.customerId}:${METER.eventName}:${standing.period.start.toISOString()}`;
    // Most runs find the email already sent: skip rendering and the recipients' query for those.
    if (await db.emailMessage.findUnique({ where: { cause }, select: { cause: true } })) continue;
    const recipients = await teamRecipients(db, standing.customerId, BILLING_ROLES);
    if (!recipients) continue;
    const content = usageThresholdEmail({
      teamName: recipients.teamName,
      meter: METER.displayName,
      percent,
      used,
      limit: standing.limit,
      limitKind: standing.limitKind,
      periodEnd: standing.period.end,
      usageUrl,
    });
    const outcome = await sendEmailOnce(
      db,
      {
        cause,
        kind: `usage_${percent}`,
        customerId: standing.customerId,
        to: recipients.to.join(", "),
        ...content,
      },
      options.mailer,
    );
    summary.sent.push({ customerId: standing.customerId, percent, outcome: outcome.status });
  }
  return summary;
}
