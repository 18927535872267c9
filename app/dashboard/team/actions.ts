"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { forgetCaller } from "@/lib/api/resolve-customer";
import type { Account } from "@/lib/auth/session";
import { validatedActionWithAccount, type ActionState } from "@/lib/auth/validated-action";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { issueInvitationWithEmail, type InvitationSender } from "@/lib/teams/invitation-email";
import {
  createInvitation,
  resendInvitation,
  revokeInvitation,
  type IssuedInvitation,
} from "@/lib/teams/invitations";
import {
  changeMemberRole,
  removeMember,
  renameTeam,
  switchTeam,
  TEAM_NAME_MAX_LENGTH,
} from "@/lib/teams/members";
import { isRole, roleLabel, type Role } from "@/lib/teams/roles";

const role = z.string("Choose a role.").refine(isRole, "Choose a role.");

export type InviteState = ActionState<{
  status: "invited";
  email: string;
  role: Role;
  link: string;
  expiresAt: string;
}>;

// Server action – invite someone to the active team by email with a role; the link is shown once
export const inviteMemberAction = validatedActionWithAccount(
  z.object({
    email: z.string("Enter an email address.").trim().pipe(z.email("Enter an email address.")),
    role,
  }),
  async ({ email, role }, account): Promise<InviteState> => {
    const issued = await issueInvitationWithEmail(
      getDb(),
      (onIssued) => createInvitation(getDb(), account, { email, role }, undefined, onIssued),
      senderOf(account),
    );
    revalidatePath("/dashboard/team");
    return invited(issued);
  },
  {
    permission: "members:manage",
    event: "dashboard.team_action_failed",
    message: "The invitation was not made. Try again.",
  },
);

// Server action – a pending invitation again: a new link (the old one stops working) and a new email
export const resendInvitationAction = validatedActionWithAccount(
  z.object({ id: z.uuid("That invitation does not exist.") }),
  async ({ id }, account): Promise<InviteState> => {
    const issued = await issueInvitationWithEmail(
      getDb(),
      (onIssued) => resendInvitation(getDb(), account, id, undefined, onIssued),
      senderOf(account),
    );
    revalidatePath("/dashboard/team");
    return invited(issued);
  },
  {
    permission: "members:manage",
    event: "dashboard.team_action_failed",
    message: "The invitation was not resent. Try again.",
  },
);

export type TeamChangeState = ActionState<{ status: "done"; message: string }>;

// Server action – withdraw a pending invitation: its link stops working
export const revokeInvitationAction = validatedActionWithAccount(
  z.object({ id: z.uuid("That invitation does not exist.") }),
  async ({ id }, account): Promise<TeamChangeState> => {
    const invitation = await revokeInvitation(getDb(), account, id);
    revalidatePath("/dashboard/team");
    return { status: "done", message: `The invitation of ${invitation.email} is withdrawn.` };
  },
  {
    permission: "members:manage",
    event: "dashboard.team_action_failed",
    message: "The invitation was not withdrawn. Try again.",
  },
);

// Server action – give a member of the active team another role
export const changeRoleAction = validatedActionWithAccount(
  z.object({ userId: z.uuid("That person is not a member of this team."), role }),
  async ({ userId, role }, account): Promise<TeamChangeState> => {
    const member = await changeMemberRole(getDb(), account, { userId, role });
    revalidatePath("/dashboard");
    return { status: "done", message: `${member.email} is now ${roleLabel(role).toLowerCase()}.` };
  },
  {
    permission: "members:manage",
    event: "dashboard.team_action_failed",
    message: "The role was not changed. Try again.",
  },
);

// Server action – remove a member from the active team, or leave it (lib/teams checks which is allowed)
export const removeMemberAction = validatedActionWithAccount(
  z.object({ userId: z.uuid("That person is not a member of this team.") }),
  async ({ userId }, account): Promise<TeamChangeState> => {
    const db = getDb();
    const member = await removeMember(db, account, userId);
    const removed = await db.user.findUnique({ where: { id: userId }, select: { auth0UserId: true } });
    // The API stops acting for this team with the person's token on every instance at once.
    if (removed) await forgetCaller(removed.auth0UserId);
    if (userId === account.userId) redirect("/dashboard");
    revalidatePath("/dashboard/team");
    return { status: "done", message: `${member.email} is no longer a member of this team.` };
  },
  {
    permission: null,
    event: "dashboard.team_action_failed",
    message: "The member was not removed. Try again.",
  },
);

// Server action – name the active team (empty: shown as its billing email again)
export const renameTeamAction = validatedActionWithAccount(
  z.object({
    name: z
      .string("Enter a name.")
      .trim()
      .max(TEAM_NAME_MAX_LENGTH, `A team name has at most ${TEAM_NAME_MAX_LENGTH} characters.`)
      // It goes into email subjects and the header: no line breaks or other control characters.
      .regex(/^[^\p{Cc}]*$/u, "A team name is one line of text."),
  }),
  async ({ name }, account): Promise<TeamChangeState> => {
    const shown = await renameTeam(getDb(), account, name === "" ? null : name);
    revalidatePath("/dashboard", "layout");
    return { status: "done", message: `The team is now called ${shown}.` };
  },
  {
    permission: "members:manage",
    event: "dashboard.team_action_failed",
    message: "The team was not renamed. Try again.",
  },
);

// Server action – act for another team of one's own (the dashboard and one's API token follow)
export const switchTeamAction = validatedActionWithAccount(
  z.object({ customerId: z.uuid("Choose one of your teams.") }),
  async ({ customerId }, account): Promise<never> => {
    await switchTeam(getDb(), account.userId, customerId);
    await forgetCaller(account.auth0UserId);
    revalidatePath("/dashboard", "layout");
    redirect("/dashboard");
  },
  {
    permission: null,
    event: "dashboard.team_action_failed",
    message: "The team was not switched. Try again.",
  },
);

/** The signed-in person as the sender of an invitation from the active team. */
function senderOf(account: Account): InvitationSender {
  return {
    appBaseUrl: getConfig().auth.appBaseUrl,
    customerId: account.customerId,
    inviterName: account.name ?? account.email,
  };
}

/** A new invitation as the form shows it: its link, shown once. */
function invited({ invitation, link }: { invitation: IssuedInvitation; link: string }): InviteState {
  return {
    status: "invited",
    email: invitation.email,
    role: invitation.role,
    link,
    expiresAt: invitation.expiresAt.toISOString(),
  };
}
