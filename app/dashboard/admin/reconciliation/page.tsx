import type { Metadata } from "next";
import Link from "next/link";
import { CardSection } from "@/components/ui/card-section";
import { DataTable } from "@/components/ui/data-table";
import { Notice } from "@/components/ui/notice";
import { requireOperator } from "@/lib/auth/operator";
import { getStripe } from "@/lib/billing/stripe";
import { getDb } from "@/lib/db";
import { formatCount } from "@/lib/format";
import { log } from "@/lib/log";
import { reconcileUsage, type Reconciliation } from "@/lib/metering/reconcile-usage";

export const metadata: Metadata = { title: "Reconciliation" };

// GET /dashboard/admin/reconciliation – units served against Stripe's meter, per customer and day
// (what `npm run reconcile:usage` prints), computed on each visit: one Stripe call per customer.
export default async function ReconciliationPage() {
  await requireOperator();
  let result: Reconciliation | null;
  try {
    result = await reconcileUsage(getDb(), getStripe());
  } catch (error) {
    log.warn("admin.reconciliation_failed", { error: String(error) });
    result = null;
  }
  const differences = result?.rows.filter((row) => row.status !== "ok") ?? [];

  return (
    <main className="space-y-6">
      <p>
        <Link href="/dashboard/admin">← Admin</Link>
      </p>
      <h1 className="text-2xl font-bold">Reconciliation</h1>
      <p className="muted">
        Units served against what Stripe&apos;s meter holds, per customer, meter and UTC day of the current
        and previous billing period. &ldquo;In flight&rdquo; is usage the reporter has yet to send.
      </p>
      {result === null ? (
        <Notice tone="error" role="alert">
          Stripe could not be asked for its meter totals right now. Reload the page in a moment, or run{" "}
          <code>npm run reconcile:usage</code>.
        </Notice>
      ) : (
        <CardSection
          headingId="differences-heading"
          title={`${formatCount(result.mismatches)} mismatched, ${formatCount(result.inFlight)} in flight, of ${formatCount(result.rows.length)} days`}
        >
          {differences.length === 0 ? (
            <p className="muted mt-2" data-testid="reconciliation-matched">
              Stripe holds exactly the units served on every day.
            </p>
          ) : (
            <DataTable
              className="mt-3"
              columns={["Customer", "Meter", "Day", "Period", "Served", "In Stripe", "Unreported", "Status"]}
            >
              <tbody>
                {differences.map((row) => (
                  <tr key={`${row.customerId} ${row.meter} ${row.day}`} className="border-b border-slate-100">
                    <td className="py-2 pr-4">{row.email}</td>
                    <td className="py-2 pr-4">{row.meter}</td>
                    <td className="py-2 pr-4">{row.day}</td>
                    <td className="py-2 pr-4">{row.period}</td>
                    <td className="py-2 pr-4">{formatCount(row.served)}</td>
                    <td className="py-2 pr-4">{formatCount(row.inStripe)}</td>
                    <td className="py-2 pr-4">{formatCount(row.unreported)}</td>
                    <td className={row.status === "mismatch" ? "py-2 font-semibold text-red-900" : "py-2"}>
                      {row.status}
                    </td>
                  </tr>
                ))}
              </tbody>
            </DataTable>
          )}
        </CardSection>
      )}
    </main>
  );
}
