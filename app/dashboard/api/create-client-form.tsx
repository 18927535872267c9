"use client";

import { CopyButton } from "@/components/copy-button";
import { SubmitButton } from "@/components/submit-button";
import { Notice } from "@/components/ui/notice";
import { useAnnouncedAction } from "@/components/use-announced-action";
import { createClientAction } from "./actions";
import { Snippets } from "./snippets";
import { ScopeFieldset, type ScopeChoice } from "./scope-fieldset";

/** The form that creates a machine client, then shows its secret once with ready-to-paste snippets. */
export function CreateClientForm({
  scopes,
  tokenUrl,
  audience,
  apiUrl,
}: {
  scopes: ScopeChoice[];
  tokenUrl: string;
  audience: string;
  apiUrl: string;
}) {
  const [state, action] = useAnnouncedAction(createClientAction, {
    done: (client) => ({
      title: "Client created",
      description: `Copy the secret of ${client.name} now: it is shown once.`,
    }),
    failed: "The client was not created",
  });
  return (
    <div className="space-y-4">
      <form action={action} className="space-y-4">
        <div>
          <label htmlFor="client-name" className="block text-sm font-medium">
            Client name
          </label>
          <input
            id="client-name"
            name="name"
            required
            maxLength={64}
            placeholder="e.g. Production server"
            className="input mt-1 max-w-sm"
          />
        </div>
        <ScopeFieldset scopes={scopes} />
        <SubmitButton pendingText="Creating…">Create client</SubmitButton>
      </form>
      <div aria-live="polite">
        {state.status === "error" && (
          <Notice tone="error" role="alert" data-code={state.code}>
            {state.message}
          </Notice>
        )}
        {state.status === "created" && (
          <Notice tone="success" data-testid="new-client">
            <p className="font-medium">{state.name} is ready. Copy the secret now: it is shown only once.</p>
            <dl className="mt-3 space-y-2 text-sm">
              <Credential
                term="Client ID"
                value={state.clientId}
                copyLabel="Copy ID"
                testId="new-client-id"
              />
              <Credential
                term="Client secret"
                value={state.clientSecret}
                copyLabel="Copy secret"
                testId="new-client-secret"
              />
            </dl>
            <Snippets
              clientId={state.clientId}
              clientSecret={state.clientSecret}
              tokenUrl={tokenUrl}
              audience={audience}
              apiUrl={apiUrl}
            />
          </Notice>
        )}
      </div>
    </div>
  );
}

/** One credential of the new client: its name, its value as code, and a button that copies it. */
function Credential({
  term,
  value,
  copyLabel,
  testId,
}: {
  term: string;
  value: string;
  copyLabel: string;
  testId: string;
}) {
  return (
    <div>
      <dt className="font-medium">{term}</dt>
      <dd className="flex flex-wrap items-center gap-2">
        <code className="font-mono break-all" data-testid={testId}>
          {value}
        </code>
        <CopyButton text={value} label={copyLabel} />
      </dd>
    </div>
  );
}
