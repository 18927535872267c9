"use client";

import { useState } from "react";
import { SubmitButton } from "@/components/submit-button";
import { Notice } from "@/components/ui/notice";
import { useAnnouncedAction } from "@/components/use-announced-action";
import { renameTeamAction } from "./actions";

/**
 * The team's name, for owners and admins. The field is controlled, so a refused name stays in it to be
 * corrected rather than reset to the saved one.
 */
export function RenameTeamForm({
  name,
  email,
  maxLength,
}: {
  name: string | null;
  email: string;
  maxLength: number;
}) {
  const [value, setValue] = useState(name ?? "");
  const [state, action] = useAnnouncedAction(renameTeamAction, {
    done: (result) => ({ title: "Team renamed", description: result.message }),
    failed: "The name was not changed",
  });
  return (
    <div className="space-y-3">
      <form action={action} className="flex flex-wrap items-end gap-4" aria-label="Name the team">
        <div>
          <label htmlFor="team-name" className="block text-sm font-medium">
            Name
          </label>
          <input
            id="team-name"
            name="name"
            value={value}
            onChange={(event) => setValue(event.target.value)}
            maxLength={maxLength}
            placeholder={email}
            aria-describedby="team-name-hint"
            className="input mt-1 w-72"
          />
        </div>
        <SubmitButton pendingText="Saving…">Save name</SubmitButton>
      </form>
      <p id="team-name-hint" className="muted text-sm">
        Members see it in the header and invitations and emails use it; leave it empty to show {email}.
      </p>
      {state.status === "error" && (
        <Notice tone="error" role="alert" data-code={state.code}>
          {state.message}
        </Notice>
      )}
    </div>
  );
}
