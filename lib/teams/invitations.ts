import "server-only";
import { createHash, randomBytes } from "node:crypto";
import type { Database } from "@/lib/db";
import { requirePermission, type TeamActor } from "./actor";
import { TeamError } from "./errors";
import { lockTeam, type Tx } from "./lock-team";
import { isRole, mayAssign, type Role } from "./roles";

/** How long an invitation's link works. */
export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

/** Pending invitations a team may have at once (each is an email sent on its behalf). */
export const MAX_PENDING_INVITATIONS = 50;

/** The path of an invitation's link; the token is its only secret. */
export function invitationPath(token: string): string {
  return `/invitations/${token}`;
}

/** The stored form of an invitation token: its SHA-256, so a database leak reveals no working link. */
export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** A pending invitation, as the team page lists it. */
export interface PendingInvitation {
  id: string;
  email: string;
  role: Role;
  createdAt: Date;
  expiresAt: Date;
}

/** A new (or resent) invitation and its token, which exists only here: show or send it once. */
export interface IssuedInvitation extends PendingInvitation {
  token: string;
  teamName: string;
}

/**
 * Runs inside the transaction that issues an invitation, e.g. to record its email: what it writes
 * commits with the invitation or not at all, so a process that dies after the commit loses nothing.
 */
export type OnInvitationIssued = (tx: Tx, invitation: IssuedInvitation) => Promise<void>;

/**
 * Invites `email` to the actor's team with `role`: a random 256-bit token, valid for 7 days. An earlier
 * pending invitation of the same address to this team is revoked (the newest link is the one that works).
 *
 * @throws {TeamError} ERR_PERMISSION_DENIED (also: an admin inviting an owner), ERR_ALREADY_A_MEMBER,
 *   ERR_TOO_MANY_INVITATIONS
 */
export async function createInvitation(
  db: Database,
  actor: TeamActor,
  request: { email: string; role: Role },
  now = new Date(),
  onIssued?: OnInvitationIssued,
): Promise<IssuedInvitation> {
  requirePermission(actor, "members:manage");
  if (!mayAssign(actor.role, request.role)) {
    throw new TeamError("ERR_PERMISSION_DENIED", "Only an owner can invite an owner.");
  }
  const email = request.email.trim().toLowerCase();
  const token = randomBytes(32).toString("base64url");
  return db.$transaction(async (tx) => {
    await lockTeam(tx, actor.customerId);
    const member = await tx.membership.findFirst({
      where: { customerId: actor.customerId, user: { email } },
      select: { userId: true },
    });
    if (member) throw new TeamError("ERR_ALREADY_A_MEMBER", `${email} is already a member of this team.`);
    await tx.invitation.updateMany({
      where: { customerId: actor.customerId, email, ...pendingAt(now) },
      data: { revokedAt: now },
    });
    const pending = await tx.invitation.count({ where: { customerId: actor.customerId, ...pendingAt(now) } });
    if (pending >= MAX_PENDING_INVITATIONS) {
      throw new TeamError(
        "ERR_TOO_MANY_INVITATIONS",
        `This team has ${MAX_PENDING_INVITATIONS} pending invitations, the most allowed. Revoke some first.`,
      );
    }
    const invitation = await tx.invitation.create({
      data: {
        customerId: actor.customerId,
        email,
        role: request.role,
        tokenHash: hashInvitationToken(token),
        invitedById: actor.userId,
        createdAt: now,
        expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
      },
      include: { customer: { select: { name: true, email: true } } },
    });
    const issued: IssuedInvitation = {
      id: invitation.id,
      email,
      role: request.role,
      createdAt: invitation.createdAt,
      expiresAt: invitation.expiresAt,
      token,
      teamName: invitation.customer.name ?? invitation.customer.email,
    };
    await onIssued?.(tx, issued);
    return issued;
  });
}

/** The actor's team's invitations that still work, newest first. */
export async function listPendingInvitations(
  db: Database,
  actor: TeamActor,
  now = new Date(),
): Promise<PendingInvitation[]> {
  const rows = await db.invitation.findMany({
    where: { customerId: actor.customerId, ...pendingAt(now) },
    orderBy: { createdAt: "desc" },
    select: { id: true, email: true, role: true, createdAt: true, expiresAt: true },
  });
  return rows.flatMap((row) => (isRole(row.role) ? [{ ...row, role: row.role }] : []));
}

/**
 * Revokes a pending invitation of the actor's team: its link stops working at once.
 *
 * @throws {TeamError} ERR_PERMISSION_DENIED, ERR_INVITATION_NOT_FOUND (also another team's)
 */
export async function revokeInvitation(
  db: Database,
  actor: TeamActor,
  id: string,
  now = new Date(),
): Promise<PendingInvitation> {
  requirePermission(actor, "members:manage");
  const invitation = await findPending(db, actor, id, now);
  await db.invitation.updateMany({
    where: { id, revokedAt: null, acceptedAt: null },
    data: { revokedAt: now },
  });
  return invitation;
}

/**
 * Sends a pending invitation again: a new token and a new 7 days, the old link stops working (the
 * token is never stored, so the old one cannot be shown again).
 *
 * @throws {TeamError} ERR_PERMISSION_DENIED, ERR_INVITATION_NOT_FOUND (also another team's)
 */
export async function resendInvitation(
  db: Database,
  actor: TeamActor,
  id: string,
  now = new Date(),
  onIssued?: OnInvitationIssued,
): Promise<IssuedInvitation> {
  requirePermission(actor, "members:manage");
  const invitation = await findPending(db, actor, id, now);
  if (!mayAssign(actor.role, invitation.role)) {
    throw new TeamError("ERR_PERMISSION_DENIED", "Only an owner can invite an owner.");
  }
  return createInvitation(db, actor, { email: invitation.email, role: invitation.role }, now, onIssued);
}

/** What an invitation link leads to, before anyone accepts it. */
export interface InvitationView {
  id: string;
  customerId: string;
  teamName: string;
  email: string;
  role: Role;
  expiresAt: Date;
  invitedBy: string | null;
}

/**
 * The invitation of a link's token if it still works.
 *
 * @throws {TeamError} ERR_INVITATION_NOT_FOUND, ERR_INVITATION_REVOKED, ERR_INVITATION_USED,
 *   ERR_INVITATION_EXPIRED
 */
export async function findInvitation(db: Database, token: string, now = new Date()): Promise<InvitationView> {
  const row = await db.invitation.findUnique({
    where: { tokenHash: hashInvitationToken(token) },
    include: {
      customer: { select: { name: true, email: true } },
      invitedBy: { select: { name: true, email: true } },
    },
  });
  if (!row || !isRole(row.role)) {
    throw new TeamError(
      "ERR_INVITATION_NOT_FOUND",
      "This invitation link is not valid. Check that you copied all of it, or ask for a new one.",
    );
  }
  if (row.acceptedAt) {
    throw new TeamError(
      "ERR_INVITATION_USED",
      "This invitation has already been accepted. Each link works once.",
    );
  }
  if (row.revokedAt) {
    throw new TeamError(
      "ERR_INVITATION_REVOKED",
      "This invitation was withdrawn (or replaced by a newer one). Ask the team for a new invitation.",
    );
  }
  if (row.expiresAt <= now) {
    throw new TeamError(
      "ERR_INVITATION_EXPIRED",
      "This invitation has expired: links work for 7 days. Ask the team for a new invitation.",
    );
  }
  return {
    id: row.id,
    customerId: row.customerId,
    teamName: row.customer.name ?? row.customer.email,
    email: row.email,
    role: row.role,
    expiresAt: row.expiresAt,
    invitedBy: row.invitedBy ? (row.invitedBy.name ?? row.invitedBy.email) : null,
  };
}

/**
 * Accepts an invitation for the signed-in person, whose verified email must be the invited one: they
 * become a member with the invited role (a member already keeps their role) and act for the team from
 * now on. The link works once, even when two tabs accept it at the same time.
 *
 * @throws {TeamError} ERR_INVITATION_WRONG_EMAIL and {@link findInvitation}'s refusals
 */
export async function acceptInvitation(
  db: Database,
  person: { userId: string; email: string },
  token: string,
  now = new Date(),
): Promise<InvitationView> {
  const invitation = await findInvitation(db, token, now);
  if (invitation.email !== person.email.trim().toLowerCase()) {
    throw new TeamError(
      "ERR_INVITATION_WRONG_EMAIL",
      `This invitation is for ${invitation.email}, and you are signed in as ${person.email}. Sign out and sign in as ${invitation.email}, or ask for an invitation to your address.`,
    );
  }
  await db.$transaction(async (tx) => {
    await lockTeam(tx, invitation.customerId);
    const claimed = await tx.invitation.updateMany({
      where: { id: invitation.id, acceptedAt: null, revokedAt: null, expiresAt: { gt: now } },
      data: { acceptedAt: now },
    });
    if (claimed.count !== 1) {
      throw new TeamError(
        "ERR_INVITATION_USED",
        "This invitation has already been accepted. Each link works once.",
      );
    }
    await tx.membership.createMany({
      data: [{ userId: person.userId, customerId: invitation.customerId, role: invitation.role }],
      skipDuplicates: true,
    });
    await tx.user.update({ where: { id: person.userId }, data: { customerId: invitation.customerId } });
  });
  return invitation;
}

function pendingAt(now: Date) {
  return { acceptedAt: null, revokedAt: null, expiresAt: { gt: now } };
}

async function findPending(
  db: Database,
  actor: TeamActor,
  id: string,
  now: Date,
): Promise<PendingInvitation> {
  const row = await db.invitation.findFirst({
    where: { id, customerId: actor.customerId, ...pendingAt(now) },
    select: { id: true, email: true, role: true, createdAt: true, expiresAt: true },
  });
  if (!row || !isRole(row.role)) {
    throw new TeamError("ERR_INVITATION_NOT_FOUND", "That invitation is no longer pending.");
  }
  return { ...row, role: row.role };
}
