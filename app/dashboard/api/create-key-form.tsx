"use client";

import { CopyButton } from "@/components/copy-button";
import { SubmitButton } from "@/components/submit-button";
import { Notice } from "@/components/ui/notice";
import { useAnnouncedAction } from "@/components/use-announced-action";
import { createKeyAction } from "./actions";
import { ScopeFieldset, type ScopeChoice } from "./scope-fieldset";

/** The form that creates an API key, then shows the key once with a curl line that uses it. */
export function CreateKeyForm({
  scopes,
  apiUrl,
}: {
  /** The scopes the customer's plan grants: the only ones a key may carry. */
  scopes: ScopeChoice[];
  apiUrl: string;
}) {
  const [state, action] = useAnnouncedAction(createKeyAction, {
    done: (key) => ({ title: "Key created", description: `Copy ${key.name} now: it is shown once.` }),
    failed: "The key was not created",
  });
  return (
    <div className="space-y-4">
      <form action={action} className="space-y-4" aria-label="Create an API key">
        <div>
          <label htmlFor="key-name" className="block text-sm font-medium">
            Key name
          </label>
          <input
            id="key-name"
            name="name"
            required
            maxLength={64}
            placeholder="e.g. Billing worker"
            className="input mt-1 max-w-sm"
          />
        </div>
        <ScopeFieldset scopes={scopes} />
        <div className="flex flex-wrap gap-6">
          <div>
            <label htmlFor="key-expiry" className="block text-sm font-medium">
              Expires after (days, optional)
            </label>
            <input
              id="key-expiry"
              name="expiresInDays"
              type="number"
              min={1}
              max={3650}
              placeholder="never"
              className="input mt-1 w-40"
            />
          </div>
          <div>
            <label htmlFor="key-rate" className="block text-sm font-medium">
              Rate limit (calls/s, optional)
            </label>
            <input
              id="key-rate"
              name="rateLimitPerSecond"
              type="number"
              min={1}
              max={10000}
              placeholder="the plan's"
              className="input mt-1 w-40"
            />
          </div>
        </div>
        <SubmitButton pendingText="Creating…">Create key</SubmitButton>
      </form>
      <div aria-live="polite">
        {state.status === "error" && (
          <Notice tone="error" role="alert" data-code={state.code}>
            {state.message}
          </Notice>
        )}
        {state.status === "created" && (
          <Notice tone="success" data-testid="new-key">
            <p className="font-medium">
              {state.name} is ready. Copy the key now: it is shown only once, and we keep only its hash.
            </p>
            <div className="mt-3 flex flex-wrap items-center gap-2 text-sm">
              <code className="font-mono break-all" data-testid="new-key-value">
                {state.key}
              </code>
              <CopyButton text={state.key} label="Copy key" />
            </div>
            <pre className="mt-3 overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100">
              {`curl -H "Authorization: Bearer ${state.key}" ${apiUrl}/widgets`}
            </pre>
          </Notice>
        )}
      </div>
    </div>
  );
}
