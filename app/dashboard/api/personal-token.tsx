"use client";

import { useState, useTransition } from "react";
import { CopyButton } from "@/components/copy-button";
import { Notice } from "@/components/ui/notice";
import { revealTokenAction, type TokenState } from "./actions";

/** Shows the signed-in person's own API access token on request (never rendered into the page). */
export function PersonalToken() {
  const [state, setState] = useState<TokenState>({ status: "idle" });
  const [pending, startTransition] = useTransition();
  return (
    <div className="space-y-2">
      <button
        type="button"
        className="btn-secondary"
        disabled={pending}
        onClick={() => startTransition(async () => setState(await revealTokenAction()))}
      >
        {pending ? "Getting your token…" : "Show my access token"}
      </button>
      <div aria-live="polite">
        {state.status === "error" && (
          <Notice tone="error" role="alert" inline data-code={state.code}>
            {state.message}
          </Notice>
        )}
        {state.status === "ok" && (
          <div>
            <label htmlFor="personal-token" className="block text-sm font-medium">
              Access token (keep it private; it expires)
            </label>
            <textarea
              id="personal-token"
              readOnly
              rows={4}
              value={state.token}
              className="input mt-1 font-mono text-xs"
            />
            <CopyButton text={state.token} label="Copy token" />
          </div>
        )}
      </div>
    </div>
  );
}
