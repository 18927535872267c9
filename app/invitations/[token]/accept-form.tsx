"use client";

import { useActionState } from "react";
import { SubmitButton } from "@/components/submit-button";
import { Notice } from "@/components/ui/notice";
import type { ActionState } from "@/lib/auth/validated-action";
import { acceptInvitationAction } from "./actions";

/** Accepts the invitation of this page's link; a refusal shows here. */
export function AcceptForm({ token, teamName }: { token: string; teamName: string }) {
  const [state, action] = useActionState<ActionState<never>, FormData>(acceptInvitationAction, {
    status: "idle",
  });
  return (
    <form action={action} className="space-y-3">
      <input type="hidden" name="token" value={token} />
      <SubmitButton pendingText="Joining…">Join {teamName}</SubmitButton>
      {state.status === "error" && (
        <Notice tone="error" role="alert" data-code={state.code}>
          {state.message}
        </Notice>
      )}
    </form>
  );
}
