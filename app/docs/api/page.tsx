import type { Metadata } from "next";
import Link from "next/link";
import { getSession } from "@/lib/auth/session";
import { getConfig } from "@/lib/config";
import { DataTable } from "@/components/ui/data-table";
import type { ConsoleOperation } from "./console-request";
import { buildApiReference, type ReferenceOperation } from "./reference";
import { InlineText, Notes, SchemaTable, SchemaType } from "./schema-view";
import { TryItConsole } from "./try-it-console";

export const metadata: Metadata = { title: "API reference" };

/** Where signed-out visitors sign in to use the console, and come back. */
const SIGN_IN_HREF = `/auth/login?returnTo=${encodeURIComponent("/docs/api")}`;

const METHOD_COLORS: Record<string, string> = {
  GET: "bg-sky-100 text-sky-900",
  POST: "bg-green-100 text-green-900",
  PUT: "bg-amber-100 text-amber-900",
  PATCH: "bg-amber-100 text-amber-900",
  DELETE: "bg-red-100 text-red-900",
};

function MethodBadge({ method }: { method: string }) {
  return (
    <span
      className={`inline-block w-16 rounded px-1.5 py-0.5 text-center font-mono text-xs font-bold ${METHOD_COLORS[method] ?? "bg-slate-100"}`}
    >
      {method}
    </span>
  );
}

function cost(operation: ReferenceOperation): string {
  if (operation.units === null) return `depends on the request (see above), of ${operation.meter}`;
  if (operation.units === 0) return `free (0 units of ${operation.meter})`;
  return `${operation.units} unit${operation.units === 1 ? "" : "s"} of ${operation.meter}`;
}

function toConsole(operation: ReferenceOperation): ConsoleOperation {
  return {
    id: operation.id,
    method: operation.method,
    path: operation.path,
    summary: operation.summary,
    pathParams: operation.parameters
      .filter((parameter) => parameter.in === "path")
      .map((parameter) => ({
        name: parameter.name,
        example: parameter.schema.format === "uuid" ? "00000000-0000-4000-8000-000000000000" : parameter.name,
      })),
    queryParams: operation.parameters
      .filter((parameter) => parameter.in === "query")
      .map((parameter) => ({
        name: parameter.name,
        description: parameter.description ?? "",
        placeholder: "default" in parameter.schema ? String(parameter.schema.default) : "",
      })),
    exampleBody: operation.exampleBody,
  };
}

// GET /docs/api – the API reference, from the OpenAPI document /api/openapi.json serves; public
export default async function ApiReferencePage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { auth, gate } = getConfig();
  const reference = buildApiReference({
    baseUrl: auth.appBaseUrl,
    issuer: gate.issuer,
    audience: gate.audience,
  });
  const session = await getSession();
  const requested = (await searchParams).operation;
  const initialOperationId = reference.operations.some((operation) => operation.id === requested)
    ? (requested as string)
    : reference.operations[0]?.id;
  const tags = [...new Set(reference.operations.map((operation) => operation.tag))];

  return (
    <main className="mx-auto max-w-5xl space-y-8 px-4 py-10">
      <header className="space-y-3">
        <h1 className="text-3xl font-bold">API reference</h1>
        <p className="text-slate-700">
          {reference.title} {reference.version}. Base URL{" "}
          <code className="font-mono">{reference.baseUrl}</code>. Every operation needs an{" "}
          {/* Plain links: prefetching the dashboard signed out would follow its sign-in redirect. */}
          <a href="/dashboard/api">API key</a> or an access token for the audience{" "}
          <code className="font-mono">{gate.audience}</code>, sent as{" "}
          <code className="font-mono">Authorization: Bearer &lt;key or token&gt;</code>; for OAuth, machines
          get a token from <code className="font-mono break-all">{reference.tokenUrl}</code> with the client
          credentials of a <a href="/dashboard/api">machine client</a>. Errors are{" "}
          <a href="#problem-types">problem details</a> (RFC 9457).
        </p>
        <p className="text-sm">
          This page is generated from the same document as{" "}
          <a href="/api/openapi.json" className="font-mono">
            /api/openapi.json
          </a>{" "}
          (OpenAPI 3.1), which code generators and API clients can import.
        </p>
      </header>

      <nav aria-labelledby="operations-heading" className="card">
        <h2 id="operations-heading" className="text-lg font-semibold">
          Operations
        </h2>
        {tags.map((tag) => (
          <div key={tag} className="mt-3">
            <h3 className="text-sm font-semibold text-slate-700">{tag}</h3>
            <ul className="mt-1 space-y-1 text-sm" data-testid="operation-index">
              {reference.operations
                .filter((operation) => operation.tag === tag)
                .map((operation) => (
                  <li key={operation.id} className="flex flex-wrap items-center gap-2">
                    <MethodBadge method={operation.method} />
                    <a href={`#${operation.id}`} className="font-mono">
                      {operation.path}
                    </a>
                    <span className="text-slate-600">{operation.summary}</span>
                  </li>
                ))}
            </ul>
          </div>
        ))}
      </nav>

      <section id="try-it" aria-labelledby="try-it-heading" className="card scroll-mt-4 space-y-3">
        <h2 id="try-it-heading" className="text-lg font-semibold">
          Try it
        </h2>
        {session ? (
          <TryItConsole
            key={initialOperationId}
            operations={reference.operations.map(toConsole)}
            initialOperationId={initialOperationId}
          />
        ) : (
          <div className="space-y-3" data-testid="console-sign-in">
            <p>
              The console sends real requests with your own access token, so you need to be signed in. It is
              free: the Free plan needs no card.
            </p>
            <a href={SIGN_IN_HREF} className="btn">
              Sign in to try the API
            </a>
          </div>
        )}
      </section>

      <section aria-labelledby="reference-heading" className="space-y-6">
        <h2 id="reference-heading" className="text-2xl font-bold">
          Operations in detail
        </h2>
        {reference.operations.map((operation) => (
          <article
            key={operation.id}
            id={operation.id}
            aria-labelledby={`${operation.id}-heading`}
            className="card scroll-mt-4 space-y-4"
            data-testid="operation"
          >
            <div className="flex flex-wrap items-center gap-3">
              <h3
                id={`${operation.id}-heading`}
                className="flex flex-wrap items-center gap-2 text-lg font-semibold"
              >
                <MethodBadge method={operation.method} />
                <code className="font-mono break-all">{operation.path}</code>
              </h3>
              <Link href={`/docs/api?operation=${operation.id}#try-it`} className="ml-auto text-sm">
                Try it<span className="sr-only">: {operation.summary}</span>
              </Link>
            </div>
            <p className="font-medium">{operation.summary}</p>
            {operation.paragraphs.map((paragraph) => (
              <p key={paragraph} className="text-slate-700">
                <InlineText text={paragraph} />
              </p>
            ))}
            <dl className="grid gap-x-6 gap-y-1 text-sm sm:grid-cols-[10rem_1fr]">
              <dt className="font-medium">Operation id</dt>
              <dd>
                <code className="font-mono">{operation.id}</code>
              </dd>
              <dt className="font-medium">Required scopes</dt>
              <dd data-testid="scopes">
                {operation.scopes.names.length === 0 ? (
                  "none: any valid access token"
                ) : (
                  <>
                    {operation.scopes.mode === "all" ? "all of " : "one of "}
                    {operation.scopes.names.map((scope, index) => (
                      <span key={scope}>
                        {index > 0 && ", "}
                        <code className="font-mono">{scope}</code>
                      </span>
                    ))}
                  </>
                )}
              </dd>
              <dt className="font-medium">Cost</dt>
              <dd data-testid="cost">{cost(operation)}</dd>
            </dl>

            {operation.parameters.length > 0 && (
              <div>
                <h4 className="font-semibold">Parameters</h4>
                <DataTable className="mt-1" dense columns={["Name", "In", "Type", "Notes"]}>
                  <tbody>
                    {operation.parameters.map((parameter) => (
                      <tr
                        key={`${parameter.in}.${parameter.name}`}
                        className="border-b border-slate-100 align-top"
                      >
                        <td className="py-1.5 pr-4">
                          <code className="font-mono">{parameter.name}</code>
                        </td>
                        <td className="py-1.5 pr-4">{parameter.in}</td>
                        <td className="py-1.5 pr-4">
                          <SchemaType schema={parameter.schema} />
                        </td>
                        <td className="py-1.5">
                          <Notes
                            schema={{ ...parameter.schema, description: parameter.description }}
                            required={parameter.required}
                          />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </DataTable>
              </div>
            )}

            {operation.requestBody && (
              <div>
                <h4 className="font-semibold">Request body</h4>
                <p className="text-sm">
                  <code className="font-mono">application/json</code>, required:{" "}
                  <SchemaType schema={operation.requestBody} />
                </p>
                {operation.exampleBody && (
                  <pre className="code mt-1" tabIndex={0}>
                    {operation.exampleBody}
                  </pre>
                )}
              </div>
            )}

            <div>
              <h4 className="font-semibold">Responses</h4>
              <ul className="mt-1 space-y-1 text-sm">
                {operation.responses.map((response) => (
                  <li key={response.status}>
                    <code className="font-mono font-semibold">{response.status}</code>{" "}
                    {response.problem ? (
                      <>
                        <a href={`#problem-${response.problem}`}>{response.problem}</a>:{" "}
                        {response.description}
                      </>
                    ) : (
                      <>
                        {response.description}
                        {response.schema && (
                          <>
                            {": "}
                            <SchemaType schema={response.schema} />
                          </>
                        )}
                      </>
                    )}
                  </li>
                ))}
              </ul>
            </div>
          </article>
        ))}
      </section>

      <section aria-labelledby="schemas-heading" className="card space-y-6">
        <h2 id="schemas-heading" className="text-2xl font-bold">
          Schemas
        </h2>
        {reference.schemas.map(([name, schema]) => (
          <SchemaTable key={name} name={name} schema={schema} />
        ))}
      </section>

      <section id="problem-types" aria-labelledby="problems-heading" className="card scroll-mt-4">
        <h2 id="problems-heading" className="text-2xl font-bold">
          Problem types
        </h2>
        <p className="mt-2 text-sm text-slate-700">
          Every error is <code className="font-mono">application/problem+json</code> (RFC 9457) with a stable{" "}
          <code className="font-mono">type</code>: branch on it, not on the text. The{" "}
          <code className="font-mono">detail</code> says what to do, and{" "}
          <code className="font-mono">request_id</code> (also the{" "}
          <code className="font-mono">x-request-id</code> header) is what to quote to support. Token errors
          also carry <code className="font-mono">WWW-Authenticate: Bearer</code> (RFC 6750); 429 carries{" "}
          <code className="font-mono">Retry-After</code>.
        </p>
        <DataTable className="mt-3" dense data-testid="problem-types" columns={["Status", "Type", "Title"]}>
          <tbody>
            {reference.problems.map((problem) => (
              <tr
                key={problem.name}
                id={`problem-${problem.name}`}
                className="border-b border-slate-100 align-top"
              >
                <td className="py-1.5 pr-4 font-mono">{problem.status}</td>
                <td className="py-1.5 pr-4">
                  <code className="font-mono break-all">{problem.type}</code>
                </td>
                <td className="py-1.5">{problem.title}</td>
              </tr>
            ))}
          </tbody>
        </DataTable>
      </section>
    </main>
  );
}
