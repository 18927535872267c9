import "server-only";
import type { Database } from "@/lib/db";

/** Who hears about money (failed payments, usage against the plan): owners and billing members. */
export const BILLING_ROLES = ["owner", "billing"] as const;
/** Who hears about credentials (keys about to expire): the members who manage them. */
export const KEY_ROLES = ["owner", "admin", "developer"] as const;

/** A team's name as its members see it, and the addresses of its members in `roles`. */
export interface TeamRecipients {
  teamName: string;
  /** Sorted, without duplicates; the team's billing email when no member has one of the roles. */
  to: string[];
}

/**
 * The addresses to tell about something of a team: its members in `roles`, or the customer's own
 * (billing) email when none has such a role, so a team is never left unaware. Null for no such team.
 */
export async function teamRecipients(
  db: Pick<Database, "customer">,
  customerId: string,
  roles: readonly string[],
): Promise<TeamRecipients | null> {
  const customer = await db.customer.findUnique({
    where: { id: customerId },
    select: {
      name: true,
      email: true,
      memberships: { where: { role: { in: [...roles] } }, select: { user: { select: { email: true } } } },
    },
  });
  if (!customer) return null;
  const members = [...new Set(customer.memberships.map((membership) => membership.user.email))].sort();
  return { teamName: customer.name ?? customer.email, to: members.length > 0 ? members : [customer.email] };
}

/** An absolute link into the dashboard. */
export function dashboardUrl(appBaseUrl: string, path: string): string {
  return new URL(path, appBaseUrl.endsWith("/") ? appBaseUrl : `${appBaseUrl}/`).toString();
}
