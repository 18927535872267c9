import { CardSection } from "@/components/ui/card-section";
import { DataTable } from "@/components/ui/data-table";
import type { CustomerAccess } from "@/lib/billing/access";
import { getDb } from "@/lib/db";
import { formatCount } from "@/lib/format";
import { getUsageByCredential, periodDays } from "@/lib/metering/usage-history";
import { calendarMonth } from "@/lib/metering/usage-window";

const KIND_LABELS = { key: "API key", client: "Machine client", user: "Person" } as const;

/**
 * The overview's units this period per API key, machine client and person, with links that download
 * this period's or the last one's usage per day and key as CSV (app/dashboard/usage.csv/route.ts).
 */
export async function UsageByKey({
  customerId,
  access,
  now = new Date(),
}: {
  customerId: string;
  access: Pick<CustomerAccess, "period">;
  now?: Date;
}) {
  const rows = await getUsageByCredential(
    getDb(),
    customerId,
    periodDays(access.period ?? calendarMonth(now)),
  );
  return (
    <CardSection headingId="usage-by-key-heading" title="Units by key this period">
      {rows.length === 0 ? (
        <p className="muted mt-2">No calls made with a key, client or token yet this period.</p>
      ) : (
        <DataTable className="mt-3" data-testid="usage-by-key" columns={["Name", "Kind", "Meter", "Units"]}>
          <tbody>
            {rows.map((row) => (
              <tr key={`${row.credential}|${row.meter}`} className="border-b border-slate-100 align-top">
                <td className="py-2 pr-4 font-medium">
                  {row.name ?? <span className="muted">deleted</span>}
                  {row.prefix && (
                    <code className="ml-2 font-mono text-xs whitespace-nowrap">{row.prefix}…</code>
                  )}
                  {row.revoked && <span className="muted ml-2">(revoked)</span>}
                </td>
                <td className="py-2 pr-4">{KIND_LABELS[row.kind]}</td>
                <td className="py-2 pr-4">{row.meter}</td>
                <td className="py-2 tabular-nums">{formatCount(row.units)}</td>
              </tr>
            ))}
          </tbody>
        </DataTable>
      )}
      <p className="mt-3 text-sm">
        Usage per day and key as CSV: {/* Plain links: a file download, not a page for the client router. */}
        <a href="/dashboard/usage.csv?period=current" download>
          Download CSV (this period)
        </a>
        {" · "}
        <a href="/dashboard/usage.csv?period=previous" download>
          last period
        </a>
      </p>
    </CardSection>
  );
}
