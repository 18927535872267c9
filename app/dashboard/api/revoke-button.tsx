"use client";

import { useActionState } from "react";
import { SubmitButton } from "@/components/submit-button";
import { revokeClientAction, type RevokeClientState } from "./actions";

/** Revokes one machine client, with its result inline. */
export function RevokeButton({ id, name }: { id: string; name: string }) {
  const [state, action] = useActionState<RevokeClientState, FormData>(revokeClientAction, {
    status: "idle",
  });
  return (
    <form action={action} className="inline">
      <input type="hidden" name="id" value={id} />
      <SubmitButton className="btn-danger" pendingText="Revoking…">
        Revoke<span className="sr-only"> {name}</span>
      </SubmitButton>
      {state.status !== "idle" && (
        <p role={state.status === "error" ? "alert" : "status"} className="mt-1 text-xs">
          {state.message}
        </p>
      )}
    </form>
  );
}
