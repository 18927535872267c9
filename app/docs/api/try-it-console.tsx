"use client";

import { useState, useTransition, type FormEvent } from "react";
import { revealTokenAction } from "@/app/dashboard/api/actions";
import { Notice } from "@/components/ui/notice";
import { toast } from "@/components/ui/toaster";
import {
  buildRequestBody,
  buildRequestPath,
  formatBody,
  pickHeaders,
  type ConsoleOperation,
} from "./console-request";

interface ConsoleResult {
  requestLine: string;
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
}

/**
 * Sends one API call from the browser as the signed-in person: their access token for the API (from the
 * dashboard's `revealTokenAction`, fetched for each send and kept only in this function's scope: never
 * stored, logged or put in a URL) as `Authorization: Bearer`, and shows the status, the headers that
 * matter and the body, problem details included.
 */
export function TryItConsole({
  operations,
  initialOperationId,
}: {
  operations: ConsoleOperation[];
  initialOperationId?: string;
}) {
  const [operationId, setOperationId] = useState(initialOperationId ?? operations[0]?.id ?? "");
  const [values, setValues] = useState<Record<string, string>>({});
  const [bodies, setBodies] = useState<Record<string, string>>({});
  const [result, setResult] = useState<ConsoleResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();

  const operation = operations.find((candidate) => candidate.id === operationId) ?? operations[0];
  if (!operation) return <p>This API has no operations yet.</p>;
  const bodyText = bodies[operation.id] ?? operation.exampleBody ?? "";
  const setValue = (name: string, value: string) => setValues((current) => ({ ...current, [name]: value }));

  function fail(message: string) {
    setError(message);
    setResult(null);
    toast({ variant: "error", title: "The request was not sent", description: message });
  }

  function send(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!operation) return;
    const path = buildRequestPath(operation, values);
    if (!path.ok) return fail(path.message);
    let body: string | undefined;
    if (operation.exampleBody !== null) {
      const built = buildRequestBody(bodyText);
      if (!built.ok) return fail(built.message);
      body = built.value;
    }
    const { method } = operation;
    setError(null);
    startTransition(async () => {
      const token = await revealTokenAction().catch(() => null);
      if (token?.status !== "ok") {
        startTransition(() =>
          fail(
            token?.status === "error"
              ? token.message
              : "We could not get your access token. Reload the page and try again.",
          ),
        );
        return;
      }
      let response: Response;
      try {
        response = await fetch(path.value, {
          method,
          headers: {
            authorization: `Bearer ${token.token}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          body,
          // Exactly what a program would send: the token, not the site's session cookie.
          credentials: "omit",
          cache: "no-store",
        });
      } catch {
        startTransition(() =>
          fail("The request did not reach the API. Check your connection, then send it again."),
        );
        return;
      }
      const text = await response.text().catch(() => "");
      const contentType = response.headers.get("content-type");
      startTransition(() =>
        setResult({
          requestLine: `${method} ${path.value}`,
          status: response.status,
          statusText: response.statusText,
          headers: pickHeaders(response.headers),
          body: formatBody(text, contentType),
        }),
      );
    });
  }

  return (
    <div className="space-y-4">
      <p className="muted">
        Requests go from your browser to <code className="font-mono">/api/v1</code> with your own access
        token, like any other client: they count against your plan.
      </p>
      <form onSubmit={send} className="space-y-3" aria-describedby="console-request-line">
        <div>
          <label htmlFor="console-operation" className="block text-sm font-medium">
            Operation
          </label>
          <select
            id="console-operation"
            className="input mt-1 max-w-xl"
            value={operation.id}
            onChange={(event) => {
              setOperationId(event.target.value);
              setError(null);
            }}
          >
            {operations.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.method} {candidate.path} ({candidate.summary})
              </option>
            ))}
          </select>
        </div>
        {operation.pathParams.map((parameter) => (
          <div key={`path.${parameter.name}`}>
            <label htmlFor={`console-path-${parameter.name}`} className="block text-sm font-medium">
              {parameter.name} <span className="font-normal text-slate-600">(path)</span>
            </label>
            <input
              id={`console-path-${parameter.name}`}
              className="input mt-1 max-w-md font-mono"
              value={values[parameter.name] ?? ""}
              placeholder={parameter.example}
              onChange={(event) => setValue(parameter.name, event.target.value)}
              autoComplete="off"
              spellCheck={false}
            />
          </div>
        ))}
        {operation.queryParams.map((parameter) => (
          <div key={`query.${parameter.name}`}>
            <label htmlFor={`console-query-${parameter.name}`} className="block text-sm font-medium">
              {parameter.name} <span className="font-normal text-slate-600">(query, optional)</span>
            </label>
            <input
              id={`console-query-${parameter.name}`}
              className="input mt-1 max-w-md font-mono"
              value={values[`query.${parameter.name}`] ?? ""}
              placeholder={parameter.placeholder}
              aria-describedby={parameter.description ? `console-query-${parameter.name}-hint` : undefined}
              onChange={(event) => setValue(`query.${parameter.name}`, event.target.value)}
              autoComplete="off"
              spellCheck={false}
            />
            {parameter.description && (
              <p id={`console-query-${parameter.name}-hint`} className="muted mt-0.5">
                {parameter.description.replaceAll("`", "")}
              </p>
            )}
          </div>
        ))}
        {operation.exampleBody !== null && (
          <div>
            <label htmlFor="console-body" className="block text-sm font-medium">
              Request body (JSON)
            </label>
            <textarea
              id="console-body"
              className="input mt-1 font-mono text-xs"
              rows={Math.min(12, bodyText.split("\n").length + 1)}
              value={bodyText}
              onChange={(event) => {
                const text = event.target.value;
                setBodies((current) => ({ ...current, [operation.id]: text }));
              }}
              spellCheck={false}
            />
          </div>
        )}
        <p id="console-request-line" className="muted">
          Sends <code className="font-mono">{operation.method}</code>{" "}
          <code className="font-mono break-all">{operation.path}</code> with{" "}
          <code className="font-mono">Authorization: Bearer</code> and your access token.
        </p>
        <button type="submit" className="btn" disabled={pending} aria-disabled={pending}>
          {pending ? "Sending…" : "Send request"}
        </button>
      </form>

      <p role="status" className="sr-only">
        {pending ? "Sending the request" : result ? `Response ${result.status} ${result.statusText}` : ""}
      </p>
      {error && (
        <Notice tone="error" role="alert">
          {error}
        </Notice>
      )}
      {result && (
        <section
          aria-labelledby="console-response-heading"
          className="space-y-3"
          data-testid="console-response"
        >
          <h3 id="console-response-heading" className="font-semibold">
            Response to <code className="font-mono break-all">{result.requestLine}</code>
          </h3>
          <p>
            <span
              data-testid="console-status"
              className={`rounded px-2 py-0.5 font-mono text-sm font-bold ${
                result.status < 300
                  ? "bg-green-100 text-green-900"
                  : result.status < 500
                    ? "bg-amber-100 text-amber-950"
                    : "bg-red-100 text-red-900"
              }`}
            >
              {result.status} {result.statusText}
            </span>
          </p>
          {result.headers.length > 0 && (
            <dl
              className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[10rem_1fr]"
              data-testid="console-headers"
            >
              {result.headers.map(([name, value]) => (
                <div key={name} className="contents">
                  <dt className="font-mono text-slate-700">{name}</dt>
                  <dd className="font-mono break-all">{value}</dd>
                </div>
              ))}
            </dl>
          )}
          {result.body === "" ? (
            <p className="muted">No body.</p>
          ) : (
            <pre className="code max-h-96" tabIndex={0} data-testid="console-body">
              {result.body}
            </pre>
          )}
        </section>
      )}
    </div>
  );
}
