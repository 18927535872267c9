import type { Metadata } from "next";
import Link from "next/link";
import { CardSection } from "@/components/ui/card-section";
import { Notice } from "@/components/ui/notice";
import { UsageChart } from "@/components/usage-chart";
import { requireAccount } from "@/lib/auth/session";
import { getCustomerAccess } from "@/lib/billing/access-cache";
import { estimateNextInvoice } from "@/lib/billing/invoice-estimate";
import { getStripe } from "@/lib/billing/stripe";
import { PLANS } from "@/lib/billing/plans";
import { getDb } from "@/lib/db";
import { formatCount, formatDate, formatMoney, formatUnits } from "@/lib/format";
import { getUsageSummary } from "@/lib/metering/usage-summary";
import { UsageByKey } from "./usage-by-key";

export const metadata: Metadata = { title: "Dashboard" };

/** Share of the cap after which the overview warns. */
const NEAR_CAP = 0.8;

// GET /dashboard – plan, status and this period's usage
export default async function OverviewPage() {
  const account = await requireAccount();
  const db = getDb();
  const now = new Date();
  const access = await getCustomerAccess(db, account.customerId, { now });
  const plan = PLANS[access.plan];
  const usage = await getUsageSummary(db, account.customerId, access, now);
  const estimate = await estimateNextInvoice(
    getStripe(),
    { stripeCustomerId: account.stripeCustomerId, subscriptionId: access.subscriptionId },
    usage.estimate,
  );
  const { period, capUnits: cap, includedUnits: included } = usage;
  const remaining = Math.max(0, (cap ?? included) - usage.units);

  return (
    <main className="space-y-6">
      <h1 className="text-2xl font-bold">Overview</h1>

      {access.status === "past_due" && (
        <Notice tone="warning" role="alert">
          Your last payment failed. Your plan keeps working for a few days while Stripe retries;{" "}
          <Link href="/dashboard/billing">update your payment method</Link> to keep it.
        </Notice>
      )}
      {cap !== null && usage.units >= cap * NEAR_CAP && (
        <Notice tone="warning" role="alert">
          {usage.units >= cap
            ? `You have used all ${formatCount(cap)} units of the ${plan.name} plan this period; calls are refused until ${formatDate(period.end)}.`
            : `You have used ${formatCount(usage.units)} of ${formatCount(cap)} units this period.`}{" "}
          <Link href="/dashboard/billing">Upgrade</Link> for more.
        </Notice>
      )}

      <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <div className="card">
          <dt className="muted">Plan</dt>
          <dd className="mt-1 text-2xl font-semibold" data-testid="plan-name">
            {plan.name}
          </dd>
          <dd className="muted">Status: {access.status === "free" ? "no subscription" : access.status}</dd>
        </div>
        <div className="card">
          <dt className="muted">Used this period</dt>
          <dd className="mt-1 text-2xl font-semibold" data-testid="units-used">
            {formatUnits(usage.units)}
          </dd>
          <dd className="muted">
            {formatDate(period.start)} to {formatDate(period.end)}
          </dd>
        </div>
        <div className="card">
          <dt className="muted">{cap === null ? "Included left" : "Remaining"}</dt>
          <dd className="mt-1 text-2xl font-semibold">{formatUnits(remaining)}</dd>
          <dd className="muted">
            of {formatCount(cap ?? included)} {cap === null ? "included" : "a period"}
          </dd>
        </div>
        <div className="card">
          <dt className="muted">Next invoice (estimate)</dt>
          <dd className="mt-1 text-2xl font-semibold">
            {formatMoney(estimate.amountCents, estimate.currency)}
          </dd>
          <dd className="muted">{plan.stripe ? `on ${formatDate(period.end)}` : "Free plan"}</dd>
        </div>
      </dl>

      <CardSection headingId="usage-heading" title="Units per day">
        {usage.units === 0 ? (
          <p className="muted mt-2">
            No calls yet this period. <Link href="/dashboard/api">Create an API client</Link> and make your
            first call.
          </p>
        ) : (
          <>
            <UsageChart daily={usage.daily} />
            <table className="sr-only">
              <caption>Units per day</caption>
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col">Units</th>
                </tr>
              </thead>
              <tbody>
                {usage.daily.map((entry) => (
                  <tr key={entry.date}>
                    <td>{entry.date}</td>
                    <td>{entry.units}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </CardSection>
      <UsageByKey customerId={account.customerId} access={access} now={now} />
    </main>
  );
}
