import Link from "next/link";
import type { ReactNode } from "react";
import { Notice } from "@/components/ui/notice";
import { isOperator } from "@/lib/auth/operator";
import { requireAccount } from "@/lib/auth/session";
import { BillingError } from "@/lib/billing/errors";
import { MissingEmailError } from "@/lib/auth/errors";
import { TeamError } from "@/lib/teams/errors";
import { roleLabel } from "@/lib/teams/roles";
import { TeamSwitcher } from "./team/team-switcher";

const TABS = [
  { href: "/dashboard", label: "Overview" },
  { href: "/dashboard/api", label: "API access" },
  { href: "/dashboard/billing", label: "Billing" },
  { href: "/dashboard/team", label: "Team" },
] as const;

/** Only for operators; the admin pages check again themselves (requireOperator). */
const ADMIN_TAB = { href: "/dashboard/admin", label: "Admin" } as const;

// The dashboard's frame: the signed-in account (made on first visit), or a plain-words reason why not.
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  let account: Awaited<ReturnType<typeof requireAccount>>;
  try {
    account = await requireAccount();
  } catch (error) {
    if (error instanceof BillingError || error instanceof MissingEmailError || error instanceof TeamError) {
      return (
        <main className="mx-auto max-w-2xl px-4 py-12">
          <h1 className="text-2xl font-bold">We could not open your account</h1>
          <Notice tone="error" role="alert" className="mt-4">
            {error.message}
          </Notice>
          <p className="mt-6">
            <a href="/auth/logout">Sign out</a> and sign in again with another account.
          </p>
        </main>
      );
    }
    throw error;
  }
  const tabs = (await isOperator()) ? [...TABS, ADMIN_TAB] : TABS;
  return (
    <div className="mx-auto max-w-5xl px-4 py-8">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <p className="muted">
          Signed in as <strong className="text-slate-900">{account.email}</strong>
          {account.teams.length > 1 && (
            <>
              {" "}
              for <strong className="text-slate-900">{account.teamName}</strong> (
              {roleLabel(account.role).toLowerCase()})
            </>
          )}
        </p>
        {account.teams.length > 1 && <TeamSwitcher teams={account.teams} activeId={account.customerId} />}
      </div>
      <nav aria-label="Dashboard" className="mt-4 border-b border-slate-200">
        <ul className="flex gap-1 overflow-x-auto">
          {tabs.map((tab) => (
            <li key={tab.href}>
              <Link
                href={tab.href}
                className="inline-block rounded-t-md px-3 py-2 text-sm font-medium text-slate-800 hover:bg-slate-100"
              >
                {tab.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="pt-6">{children}</div>
    </div>
  );
}
