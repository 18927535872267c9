import type { Metadata } from "next";
import { requireAccount } from "@/lib/auth/session";
import { listInvoices, type InvoiceSummary } from "@/lib/billing/invoices";
import { getCustomerAccess } from "@/lib/billing/access-cache";
import { paidPlans, PLANS } from "@/lib/billing/plans";
import { getStripe } from "@/lib/billing/stripe";
import { CardSection } from "@/components/ui/card-section";
import { DataTable } from "@/components/ui/data-table";
import { Notice } from "@/components/ui/notice";
import { getDb } from "@/lib/db";
import { formatDate, formatMoney } from "@/lib/format";
import { log } from "@/lib/log";
import { can } from "@/lib/teams/roles";
import { intervalParam } from "@/app/pricing/plan-prices";
import { CheckoutButton, PortalButton } from "./billing-forms";
import { intervalChoices, renewalText } from "./plan-terms";

export const metadata: Metadata = { title: "Billing" };

// GET /dashboard/billing – the plan, upgrades through Checkout, the portal and past invoices
export default async function BillingPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const account = await requireAccount();
  const { checkout, interval } = await searchParams;
  const db = getDb();
  const access = await getCustomerAccess(db, account.customerId);
  const subscription = access.subscriptionId
    ? await db.subscription.findUnique({ where: { id: access.subscriptionId } })
    : null;
  // What the person's role in the team allows (lib/teams/roles.ts); the actions check again.
  const managesBilling = can(account.role, "billing:manage");
  const seesInvoices = can(account.role, "invoices:view");
  let invoices: InvoiceSummary[] | null = [];
  try {
    if (seesInvoices) invoices = await listInvoices(getStripe(), account.stripeCustomerId);
  } catch (error) {
    log.warn("dashboard.invoices_unavailable", { error: String(error) });
    invoices = null;
  }
  const plan = PLANS[access.plan];
  // Stripe schedules an end with `cancel_at` (portal, newer API versions) or `cancel_at_period_end`.
  const endsAt =
    subscription?.cancelAt ?? (subscription?.cancelAtPeriodEnd ? subscription.currentPeriodEnd : null);

  return (
    <main className="space-y-6">
      <h1 className="text-2xl font-bold">Billing</h1>
      {checkout === "success" && (
        <Notice tone="success" role="status">
          Thank you! Your subscription starts as soon as Stripe confirms the payment, usually within seconds.
        </Notice>
      )}
      {checkout === "canceled" && (
        <Notice tone="info" role="status">
          Checkout was canceled; nothing was charged.
        </Notice>
      )}

      <CardSection
        headingId="plan-heading"
        title={
          <>
            Current plan: <span data-testid="billing-plan">{plan.name}</span>
          </>
        }
        className="space-y-2"
      >
        {endsAt ? (
          <Notice tone="warning" data-testid="billing-renewal">
            Your {plan.name} plan is canceled and ends on{" "}
            <time dateTime={endsAt.toISOString()}>{formatDate(endsAt)}</time>. It keeps working until then;
            after that you are on Free. To keep it, choose Manage billing.
          </Notice>
        ) : (
          <p className="muted" data-testid="billing-renewal">
            {subscription ? renewalText(subscription) : "No subscription: the Free plan needs no card."}
          </p>
        )}
        {managesBilling ? (
          <PortalButton />
        ) : (
          <Notice tone="info" data-testid="billing-role">
            Only the team&apos;s owners and billing members change the plan or the payment method.
          </Notice>
        )}
      </CardSection>

      {!access.subscriptionId && managesBilling && (
        <CardSection headingId="upgrade-heading" title="Upgrade">
          <ul className="mt-3 grid gap-4 md:grid-cols-2">
            {paidPlans().map((paid) => (
              <li key={paid.id} className="rounded-md border border-slate-200 p-4">
                <h3 className="font-semibold">{paid.name}</h3>
                <p className="muted mb-3">{paid.description}</p>
                <CheckoutButton
                  planId={paid.id}
                  planName={paid.name}
                  choices={intervalChoices(paid)}
                  defaultInterval={intervalParam(interval)}
                />
              </li>
            ))}
          </ul>
        </CardSection>
      )}

      {seesInvoices && (
        <CardSection headingId="invoices-heading" title="Invoices">
          {invoices === null ? (
            <Notice tone="error" role="alert" inline className="mt-2">
              Your invoices could not be loaded right now. Reload the page in a moment.
            </Notice>
          ) : invoices.length === 0 ? (
            <p className="muted mt-2">No invoices yet.</p>
          ) : (
            <DataTable
              className="mt-3"
              columns={["Date", "Number", "Status", "Total", { label: "Link", hidden: true }]}
            >
              <tbody>
                {invoices.map((invoice) => (
                  <tr key={invoice.id} className="border-b border-slate-100">
                    <td className="py-2 pr-4">{formatDate(invoice.created)}</td>
                    <td className="py-2 pr-4">{invoice.number ?? invoice.id}</td>
                    <td className="py-2 pr-4">{invoice.status ?? "unknown"}</td>
                    <td className="py-2 pr-4">{formatMoney(invoice.totalCents, invoice.currency)}</td>
                    <td className="py-2">
                      {invoice.url && (
                        <a href={invoice.url}>
                          View<span className="sr-only"> invoice {invoice.number ?? invoice.id}</span>
                        </a>
                      )}
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
