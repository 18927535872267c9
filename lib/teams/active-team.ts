import "server-only";
import type { Database } from "@/lib/db";
import { TeamError } from "./errors";
import { isRole, type Role } from "./roles";

/** One team a person belongs to, as the switcher lists it. */
export interface TeamChoice {
  customerId: string;
  /** The team's name, else its billing email (a personal team is named by its owner's email). */
  name: string;
  role: Role;
}

/** The team a person acts for now, their role in it, and every team of theirs. */
export interface ActiveTeam {
  userId: string;
  customerId: string;
  stripeCustomerId: string | null;
  teamName: string;
  /** The team's billing email: its name while it has none of its own. */
  teamEmail: string;
  role: Role;
  teams: TeamChoice[];
}

/** What a person who belongs to no team any more is told. */
export const NO_TEAM_MESSAGE =
  "You are no longer a member of any team. Ask a team's owner for a new invitation.";

/**
 * The person's active team (`users.customer_id`) with their role in it, from one read of their
 * memberships. When they are no longer a member of it (removed), it falls back to another team of
 * theirs, their personal one first, and remembers that. A user row from before memberships existed
 * (seeded, or made by a test) whose customer has no members at all becomes its owner.
 *
 * @throws {TeamError} ERR_NOT_A_MEMBER when the person is unknown or belongs to no team.
 */
export async function loadActiveTeam(db: Database, auth0UserId: string): Promise<ActiveTeam> {
  const user = await db.user.findUnique({
    where: { auth0UserId },
    select: {
      id: true,
      email: true,
      customerId: true,
      memberships: {
        orderBy: { createdAt: "asc" },
        select: {
          customerId: true,
          role: true,
          customer: { select: { name: true, email: true, stripeCustomerId: true } },
        },
      },
    },
  });
  if (!user) throw new TeamError("ERR_NOT_A_MEMBER", NO_TEAM_MESSAGE);
  const memberships = user.memberships.flatMap((membership) =>
    isRole(membership.role) ? [{ ...membership, role: membership.role }] : [],
  );
  if (memberships.length === 0) {
    const members = await db.membership.count({ where: { customerId: user.customerId } });
    if (members > 0) throw new TeamError("ERR_NOT_A_MEMBER", NO_TEAM_MESSAGE);
    await db.membership.createMany({
      data: [{ userId: user.id, customerId: user.customerId, role: "owner" }],
      skipDuplicates: true,
    });
    return loadActiveTeam(db, auth0UserId);
  }
  const teams = memberships.map((membership) => ({
    customerId: membership.customerId,
    name: membership.customer.name ?? membership.customer.email,
    role: membership.role,
  }));
  let active = memberships.find((membership) => membership.customerId === user.customerId);
  if (!active) {
    active = memberships.find((membership) => membership.customer.email === user.email) ?? memberships[0];
    if (!active) throw new TeamError("ERR_NOT_A_MEMBER", NO_TEAM_MESSAGE);
    // Only if no concurrent switch happened meanwhile.
    await db.user.updateMany({
      where: { id: user.id, customerId: user.customerId },
      data: { customerId: active.customerId },
    });
  }
  return {
    userId: user.id,
    customerId: active.customerId,
    stripeCustomerId: active.customer.stripeCustomerId,
    teamName: active.customer.name ?? active.customer.email,
    teamEmail: active.customer.email,
    role: active.role,
    teams,
  };
}
