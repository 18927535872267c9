import type { Metadata } from "next";
import { CardSection } from "@/components/ui/card-section";
import { DataTable } from "@/components/ui/data-table";
import { Notice } from "@/components/ui/notice";
import { requireAccount } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { formatDate, formatDateTime } from "@/lib/format";
import { listPendingInvitations } from "@/lib/teams/invitations";
import { listMembers, TEAM_NAME_MAX_LENGTH } from "@/lib/teams/members";
import { assignableRoles, can, mayAssign, ROLE_DESCRIPTIONS, ROLES, roleLabel } from "@/lib/teams/roles";
import { changeRoleAction, removeMemberAction, revokeInvitationAction } from "./actions";
import { ConfirmForm } from "./confirm-form";
import { InviteForm, ResendButton } from "./invite-form";
import { RenameTeamForm } from "./rename-form";

export const metadata: Metadata = { title: "Team" };

// GET /dashboard/team – the active team's members and pending invitations; owners and admins manage them
export default async function TeamPage() {
  const account = await requireAccount();
  const db = getDb();
  const manages = can(account.role, "members:manage");
  const [members, invitations] = await Promise.all([
    listMembers(db, account),
    manages ? listPendingInvitations(db, account) : Promise.resolve([]),
  ]);
  const grantable = assignableRoles(account.role);

  return (
    <main className="space-y-6">
      <h1 className="text-2xl font-bold">
        Team: <span data-testid="team-name">{account.teamName}</span>
      </h1>
      <p className="muted">
        Everyone here shares the team&apos;s plan, API keys, machine clients and usage. You are{" "}
        <strong data-testid="my-role">{roleLabel(account.role).toLowerCase()}</strong>:{" "}
        {ROLE_DESCRIPTIONS[account.role].toLowerCase()}
      </p>

      {manages ? (
        <CardSection headingId="invite-heading" title="Invite a teammate" className="space-y-3">
          <p className="muted">
            They accept by signing in with this email address. An invitation works once and for 7 days.
          </p>
          <InviteForm roles={grantable} />
        </CardSection>
      ) : (
        <Notice tone="info">Only owners and admins invite people and change roles.</Notice>
      )}

      {manages && (
        <CardSection headingId="team-name-heading" title="Team name" className="space-y-3">
          <RenameTeamForm
            name={account.teamName === account.teamEmail ? null : account.teamName}
            email={account.teamEmail}
            maxLength={TEAM_NAME_MAX_LENGTH}
          />
        </CardSection>
      )}

      <CardSection headingId="members-heading" title="Members">
        <DataTable
          className="mt-3"
          data-testid="members"
          columns={["Member", "Role", "Joined", { label: "Actions", hidden: true }]}
        >
          <tbody>
            {members.map((member) => {
              const isMe = member.userId === account.userId;
              const touchable = manages && mayAssign(account.role, member.role);
              return (
                <tr key={member.userId} className="border-b border-slate-100 align-top">
                  <td className="py-2 pr-4">
                    <span className="font-medium">{member.name ?? member.email}</span>
                    {member.name && <span className="muted block text-xs">{member.email}</span>}
                    {isMe && <span className="muted text-xs"> (you)</span>}
                  </td>
                  <td className="py-2 pr-4">{roleLabel(member.role)}</td>
                  <td className="py-2 pr-4 whitespace-nowrap">{formatDate(member.joinedAt)}</td>
                  <td className="space-y-2 py-2">
                    {touchable && !isMe && (
                      <ConfirmForm
                        action={changeRoleAction}
                        fields={{ userId: member.userId }}
                        label="Change role"
                        srLabel={`of ${member.email}`}
                        title={`Change the role of ${member.email}?`}
                        description="They can do what the new role allows from their next page on."
                        confirmLabel="Change role"
                      >
                        <label className="sr-only" htmlFor={`role-${member.userId}`}>
                          New role of {member.email}
                        </label>
                        <select
                          id={`role-${member.userId}`}
                          name="role"
                          defaultValue={member.role}
                          className="input w-36 py-1 text-sm"
                        >
                          {(account.role === "owner" ? ROLES : grantable).map((role) => (
                            <option key={role} value={role}>
                              {roleLabel(role)}
                            </option>
                          ))}
                        </select>
                      </ConfirmForm>
                    )}
                    {(isMe || touchable) && (
                      <div>
                        <ConfirmForm
                          action={removeMemberAction}
                          fields={{ userId: member.userId }}
                          label={isMe ? "Leave team" : "Remove"}
                          srLabel={isMe ? "" : member.email}
                          title={
                            isMe ? `Leave ${account.teamName}?` : `Remove ${member.email} from the team?`
                          }
                          description={
                            isMe
                              ? "You lose access to its plan, keys and usage. Someone must invite you again to come back."
                              : "They lose access to the team's plan, keys and usage at once. API keys they made stay with the team."
                          }
                          confirmLabel={isMe ? "Leave" : "Remove"}
                          danger
                        />
                      </div>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </DataTable>
      </CardSection>

      {manages && (
        <CardSection headingId="invitations-heading" title="Pending invitations">
          {invitations.length === 0 ? (
            <p className="muted mt-2">No pending invitations.</p>
          ) : (
            <DataTable
              className="mt-3"
              data-testid="invitations"
              columns={["Email", "Role", "Expires", { label: "Actions", hidden: true }]}
            >
              <tbody>
                {invitations.map((invitation) => (
                  <tr key={invitation.id} className="border-b border-slate-100 align-top">
                    <td className="py-2 pr-4">{invitation.email}</td>
                    <td className="py-2 pr-4">{roleLabel(invitation.role)}</td>
                    <td className="py-2 pr-4 whitespace-nowrap">{formatDateTime(invitation.expiresAt)}</td>
                    <td className="space-x-2 py-2">
                      <ResendButton id={invitation.id} email={invitation.email} />
                      <ConfirmForm
                        action={revokeInvitationAction}
                        fields={{ id: invitation.id }}
                        label="Withdraw"
                        srLabel={`the invitation of ${invitation.email}`}
                        title={`Withdraw the invitation of ${invitation.email}?`}
                        description="Its link stops working at once."
                        confirmLabel="Withdraw"
                        danger
                      />
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
