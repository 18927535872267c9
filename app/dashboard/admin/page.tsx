import type { Metadata } from "next";
import Link from "next/link";
import { CardSection } from "@/components/ui/card-section";
import { DataTable } from "@/components/ui/data-table";
import { Notice } from "@/components/ui/notice";
import { getAdminOverview } from "@/lib/admin/overview";
import { requireOperator } from "@/lib/auth/operator";
import { PLANS, type PlanId } from "@/lib/billing/plans";
import { getDb } from "@/lib/db";
import { formatCount, formatDate, formatDateTime, formatUnits } from "@/lib/format";

export const metadata: Metadata = { title: "Admin" };

/** Rows each table shows; the totals count everything. */
const LIMIT = 200;

const planName = (plan: string) => PLANS[plan as PlanId]?.name ?? plan;
const row = "border-b border-slate-100";
const cell = "py-2 pr-4";

// GET /dashboard/admin – the operator's view: customers, plans, usage, failed payments, unsent usage
export default async function AdminPage() {
  await requireOperator();
  const overview = await getAdminOverview(getDb(), { limit: LIMIT });
  const { totals, failedPayments, unreported, webhooks, reporter } = overview;
  const unsentUnits =
    unreported.unplanned.units + unreported.byStatus.reduce((sum, group) => sum + group.units, 0);

  return (
    <main className="space-y-6">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-bold">Admin</h1>
        <p className="muted">
          As of {formatDateTime(overview.now)} UTC ·{" "}
          <Link href="/dashboard/admin/reconciliation">Reconcile with Stripe</Link>
        </p>
      </div>

      <dl className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <div className="card">
          <dt className="muted">Customers</dt>
          <dd className="mt-1 text-2xl font-semibold" data-testid="admin-customers">
            {formatCount(totals.customers)}
          </dd>
          <dd className="muted">{formatCount(totals.subscribed)} on a paid plan</dd>
        </div>
        <div className="card">
          <dt className="muted">Used this period</dt>
          <dd className="mt-1 text-2xl font-semibold">{formatUnits(totals.unitsThisPeriod)}</dd>
          <dd className="muted">each customer&apos;s own billing period</dd>
        </div>
        <div className="card">
          <dt className="muted">Failed payments</dt>
          <dd className="mt-1 text-2xl font-semibold">{formatCount(failedPayments.length)}</dd>
          <dd className="muted">past due, unpaid or incomplete</dd>
        </div>
        <div className="card">
          <dt className="muted">Not in Stripe yet</dt>
          <dd className="mt-1 text-2xl font-semibold">{formatUnits(unsentUnits)}</dd>
          <dd className="muted">
            {reporter?.lastFinishedAt
              ? `reporter last ran ${formatDateTime(reporter.lastFinishedAt)}`
              : "the reporter has not run yet"}
          </dd>
        </div>
      </dl>

      <CardSection headingId="plans-heading" title="Plans">
        <ul className="mt-2 flex flex-wrap gap-x-6 gap-y-1">
          {overview.plans.map((plan) => (
            <li key={plan.plan}>
              {plan.name}: <strong>{formatCount(plan.customers)}</strong>
            </li>
          ))}
        </ul>
      </CardSection>

      <CardSection headingId="customers-heading" title="Customers">
        {overview.customers.length === 0 ? (
          <p className="muted mt-2">No customers yet: the first sign-in opens one.</p>
        ) : (
          <>
            {totals.customers > overview.customers.length && (
              <p className="muted mt-2">
                The {formatCount(overview.customers.length)} with the most units this period, of{" "}
                {formatCount(totals.customers)}.
              </p>
            )}
            <DataTable
              className="mt-3"
              columns={[
                "Team",
                "Members",
                "Plan",
                "Subscription",
                "Period",
                "Units this period",
                "Not sent yet",
              ]}
              data-testid="admin-customer-table"
            >
              <tbody>
                {overview.customers.map((customer) => (
                  <tr key={customer.id} className={row}>
                    <td className={cell}>
                      {customer.name ?? customer.email}
                      {customer.name !== null && (
                        <span className="muted block text-xs">{customer.email}</span>
                      )}
                    </td>
                    <td className={cell}>{formatCount(customer.members)}</td>
                    <td className={cell}>{PLANS[customer.plan].name}</td>
                    <td className={cell}>{customer.subscriptionStatus ?? "none"}</td>
                    <td className={cell}>
                      {formatDate(customer.period.start)} to {formatDate(customer.period.end)}
                    </td>
                    <td className={cell}>{formatCount(customer.units)}</td>
                    <td className="py-2">{formatCount(customer.unsentUnits)}</td>
                  </tr>
                ))}
              </tbody>
            </DataTable>
          </>
        )}
      </CardSection>

      <CardSection headingId="failed-heading" title="Failed payments">
        {failedPayments.length === 0 ? (
          <p className="muted mt-2">No failed payments.</p>
        ) : (
          <DataTable className="mt-3" columns={["Email", "Plan", "Status", "Since", "Plan works"]}>
            <tbody>
              {failedPayments.map((payment) => (
                <tr key={payment.subscriptionId} className={row}>
                  <td className={cell}>{payment.email}</td>
                  <td className={cell}>{planName(payment.plan)}</td>
                  <td className={cell}>{payment.status}</td>
                  <td className={cell}>{formatDateTime(payment.since)}</td>
                  <td className="py-2">
                    {payment.keepsPlan && payment.graceEndsAt
                      ? `until ${formatDateTime(payment.graceEndsAt)}`
                      : "no"}
                  </td>
                </tr>
              ))}
            </tbody>
          </DataTable>
        )}
      </CardSection>

      <CardSection headingId="unreported-heading" title="Usage not in Stripe">
        {unsentUnits === 0 ? (
          <p className="muted mt-2">Stripe holds every unit served.</p>
        ) : (
          <>
            <ul className="mt-2 space-y-1">
              {unreported.unplanned.units > 0 && (
                <li>
                  {formatUnits(unreported.unplanned.units)} in {formatCount(unreported.unplanned.windows)}{" "}
                  hourly counters not yet handed to the reporter
                  {unreported.unplanned.oldest &&
                    `, the oldest from ${formatDateTime(unreported.unplanned.oldest)}`}
                  .
                </li>
              )}
              {unreported.byStatus.map((group) => (
                <li key={group.status}>
                  <strong>{group.status}</strong>: {formatCount(group.reports)} reports,{" "}
                  {formatUnits(group.units)}, the oldest from {formatDateTime(group.oldest)}
                </li>
              ))}
            </ul>
            {unreported.byStatus.some((group) => group.status !== "pending") && (
              <Notice tone="warning" className="mt-3">
                Unverified, rejected, suspect and expired reports need a person: see README, Plans, billing
                and metering (expired usage is billed by hand).
              </Notice>
            )}
            {unreported.reports.length > 0 && (
              <DataTable
                className="mt-3"
                columns={["Customer", "Hour", "Units", "Status", "Attempts", "Reason"]}
              >
                <tbody>
                  {unreported.reports.map((report) => (
                    <tr key={report.identifier} className={row}>
                      <td className={cell}>{report.email}</td>
                      <td className={cell}>{formatDateTime(report.windowStart)}</td>
                      <td className={cell}>{formatCount(report.units)}</td>
                      <td className={cell}>{report.status}</td>
                      <td className={cell}>{report.attempts}</td>
                      <td className="py-2">{report.rejectCode ?? report.lastError ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </DataTable>
            )}
          </>
        )}
      </CardSection>

      <CardSection headingId="webhooks-heading" title="Stripe webhooks">
        <p className="muted mt-2">
          Failed deliveries are not stored: the webhook answers 500 so that Stripe retries, and logs
          <code> stripe.webhook_failed</code> (<code>stripe.webhook_rejected</code> for a bad signature).
          Stripe lists them under Developers › Webhooks. Below, the events applied:{" "}
          {formatCount(webhooks.applied)} in all.
        </p>
        {webhooks.recent.length === 0 ? (
          <p className="muted mt-2">No Stripe event applied yet.</p>
        ) : (
          <DataTable className="mt-3" columns={["Applied", "Event", "Type"]}>
            <tbody>
              {webhooks.recent.map((event) => (
                <tr key={event.id} className={row}>
                  <td className={cell}>{formatDateTime(event.processedAt)}</td>
                  <td className={cell}>
                    <code>{event.id}</code>
                  </td>
                  <td className="py-2">{event.type}</td>
                </tr>
              ))}
            </tbody>
          </DataTable>
        )}
      </CardSection>
    </main>
  );
}
