"use client";

import { useActionState } from "react";
import type { ActionState } from "@/lib/auth/validated-action";
import { SubmitButton } from "@/components/submit-button";
import { Notice } from "@/components/ui/notice";
import type { TeamChoice } from "@/lib/teams/active-team";
import { roleLabel } from "@/lib/teams/roles";
import { switchTeamAction } from "./actions";

/** Chooses the team the person acts for, among their own (shown when they have more than one). */
export function TeamSwitcher({ teams, activeId }: { teams: TeamChoice[]; activeId: string }) {
  const [state, action] = useActionState<ActionState<never>, FormData>(switchTeamAction, { status: "idle" });
  return (
    <form action={action} className="flex flex-wrap items-center gap-2" aria-label="Switch team">
      <label htmlFor="team-switcher" className="text-sm font-medium">
        Team
      </label>
      <select
        id="team-switcher"
        name="customerId"
        defaultValue={activeId}
        className="input w-auto py-1 text-sm"
      >
        {teams.map((team) => (
          <option key={team.customerId} value={team.customerId}>
            {team.name} ({roleLabel(team.role).toLowerCase()})
          </option>
        ))}
      </select>
      <SubmitButton pendingText="Switching…" className="btn-secondary py-1 text-sm">
        Switch
      </SubmitButton>
      {state.status === "error" && (
        <Notice tone="error" role="alert" inline className="text-sm">
          {state.message}
        </Notice>
      )}
    </form>
  );
}
