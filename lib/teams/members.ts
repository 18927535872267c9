import "server-only";
import type { Database } from "@/lib/db";
import { requirePermission, type TeamActor } from "./actor";
import { TeamError } from "./errors";
import { lockTeam, type Tx } from "./lock-team";
import { isRole, mayAssign, roleLabel, type Role } from "./roles";

/** A member of a team, as the team page lists them. */
export interface TeamMember {
  userId: string;
  email: string;
  name: string | null;
  role: Role;
  joinedAt: Date;
}

/** The members of the actor's team, owners first, then by when they joined. */
export async function listMembers(db: Database, actor: TeamActor): Promise<TeamMember[]> {
  const rows = await db.membership.findMany({
    where: { customerId: actor.customerId },
    orderBy: { createdAt: "asc" },
    select: { userId: true, role: true, createdAt: true, user: { select: { email: true, name: true } } },
  });
  const members = rows.flatMap((row) =>
    isRole(row.role)
      ? [
          {
            userId: row.userId,
            email: row.user.email,
            name: row.user.name,
            role: row.role,
            joinedAt: row.createdAt,
          },
        ]
      : [],
  );
  return members.sort((a, b) => Number(b.role === "owner") - Number(a.role === "owner"));
}

/**
 * Gives a member of the actor's team another role. Admins neither grant nor take away owner; the last
 * owner stays one.
 *
 * @throws {TeamError} ERR_PERMISSION_DENIED, ERR_MEMBER_NOT_FOUND, ERR_LAST_OWNER
 */
export async function changeMemberRole(
  db: Database,
  actor: TeamActor,
  target: { userId: string; role: Role },
): Promise<TeamMember> {
  requirePermission(actor, "members:manage");
  return db.$transaction(async (tx) => {
    await lockTeam(tx, actor.customerId);
    const current = await findMember(tx, actor.customerId, target.userId);
    if (!mayAssign(actor.role, current.role) || !mayAssign(actor.role, target.role)) {
      throw new TeamError(
        "ERR_PERMISSION_DENIED",
        "Only an owner can make someone an owner or change an owner's role.",
      );
    }
    if (current.role === "owner" && target.role !== "owner") await keepAnOwner(tx, actor.customerId);
    await tx.membership.update({
      where: { userId_customerId: { userId: target.userId, customerId: actor.customerId } },
      data: { role: target.role },
    });
    return { ...current, role: target.role };
  });
}

/**
 * Removes a member from the actor's team, or the actor themselves (leaving needs no permission). The
 * last owner cannot leave. A removed person who was acting for this team acts for another of theirs.
 *
 * @throws {TeamError} ERR_PERMISSION_DENIED, ERR_MEMBER_NOT_FOUND, ERR_LAST_OWNER
 */
export async function removeMember(db: Database, actor: TeamActor, userId: string): Promise<TeamMember> {
  const leaving = userId === actor.userId;
  if (!leaving) requirePermission(actor, "members:manage");
  return db.$transaction(async (tx) => {
    await lockTeam(tx, actor.customerId);
    const current = await findMember(tx, actor.customerId, userId);
    if (!leaving && !mayAssign(actor.role, current.role)) {
      throw new TeamError("ERR_PERMISSION_DENIED", "Only an owner can remove an owner.");
    }
    if (current.role === "owner") await keepAnOwner(tx, actor.customerId);
    await tx.membership.delete({ where: { userId_customerId: { userId, customerId: actor.customerId } } });
    const next = await tx.membership.findFirst({
      where: { userId },
      orderBy: { createdAt: "asc" },
      select: { customerId: true },
    });
    if (next) {
      await tx.user.updateMany({
        where: { id: userId, customerId: actor.customerId },
        data: { customerId: next.customerId },
      });
    }
    return current;
  });
}

/**
 * Makes `customerId` the person's active team.
 *
 * @throws {TeamError} ERR_NOT_A_MEMBER when they are not a member of it.
 */
export async function switchTeam(db: Database, userId: string, customerId: string): Promise<void> {
  const membership = await db.membership.findUnique({
    where: { userId_customerId: { userId, customerId } },
    select: { role: true },
  });
  if (!membership) throw new TeamError("ERR_NOT_A_MEMBER", "You are not a member of that team.");
  await db.user.update({ where: { id: userId }, data: { customerId } });
}

/** The longest team name: it fits the header's team menu and an email's subject. */
export const TEAM_NAME_MAX_LENGTH = 80;

/**
 * Names the actor's team as its members, invitations and emails show it; null goes back to showing the
 * team's billing email. Returns the name shown from now on.
 *
 * @throws {PermissionDeniedError} ERR_PERMISSION_DENIED
 */
export async function renameTeam(db: Database, actor: TeamActor, name: string | null): Promise<string> {
  requirePermission(actor, "members:manage");
  const team = await db.customer.update({
    where: { id: actor.customerId },
    data: { name },
    select: { name: true, email: true },
  });
  return team.name ?? team.email;
}

async function findMember(tx: Tx, customerId: string, userId: string): Promise<TeamMember> {
  const row = await tx.membership.findUnique({
    where: { userId_customerId: { userId, customerId } },
    select: { userId: true, role: true, createdAt: true, user: { select: { email: true, name: true } } },
  });
  if (!row || !isRole(row.role))
    throw new TeamError("ERR_MEMBER_NOT_FOUND", "That person is not a member of this team.");
  return {
    userId: row.userId,
    email: row.user.email,
    name: row.user.name,
    role: row.role,
    joinedAt: row.createdAt,
  };
}

/** Refuses a change that would take away the team's only owner (call under {@link lockTeam}). */
async function keepAnOwner(tx: Tx, customerId: string): Promise<void> {
  const owners = await tx.membership.count({ where: { customerId, role: "owner" } });
  if (owners <= 1) {
    throw new TeamError(
      "ERR_LAST_OWNER",
      `A team needs an owner: make someone else ${roleLabel("owner").toLowerCase()} first.`,
    );
  }
}
