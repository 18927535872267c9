import "server-only";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { getConfig } from "@/lib/config";
import { getDb, type Database } from "@/lib/db";
import { log } from "@/lib/log";
import { requiredScopes, type InputOf, type Operation, type ResultOf } from "./catalog";
import { IDENTITY_HEADER, identityKey, verifyIdentity, type CallerIdentity } from "./identity";
import { problemResponse, type ProblemName } from "./problems";
import { resolveCustomer } from "./resolve-customer";

/** The request id header the proxy sets (and echoes to the client). */
export const REQUEST_ID_HEADER = "x-request-id";

/** What a handler knows about the call it serves. */
export interface OperationContext<O extends Operation> {
  input: InputOf<O>;
  caller: CallerIdentity;
  customerId: string;
  db: Database;
  requestId: string;
}

/** Thrown by handlers for an expected failure, answered as that problem. */
export class ApiProblem extends Error {
  constructor(
    readonly problem: ProblemName,
    readonly detail: string,
  ) {
    super(detail);
    this.name = "ApiProblem";
  }
}

// Next passes no params (undefined) to handlers of routes without dynamic segments.
type RouteContext = { params?: Promise<Record<string, string | string[]> | undefined> };

let key: Buffer | undefined;
function signingKey(): Buffer {
  key ??= identityKey(getConfig().auth.sessionSecret);
  return key;
}

/**
 * Wraps a route handler for a catalog operation: re-checks the identity the proxy verified (defence in
 * depth), resolves the caller's customer, parses and validates the input against the operation's
 * schemas, runs the handler and answers with the declared status. Handlers stay a few lines.
 *
 * @example export const GET = withOperation(getWidget, ({ input, customerId, db }) => ...);
 */
export function withOperation<O extends Operation>(
  operation: O,
  handler: (context: OperationContext<O>) => Promise<ResultOf<O>> | ResultOf<O>,
) {
  return async (request: Request, route: RouteContext): Promise<Response> => {
    const requestId = request.headers.get(REQUEST_ID_HEADER) ?? randomUUID();
    const instance = new URL(request.url).pathname;
    const problem = (name: ProblemName, detail: string, headers?: HeadersInit) =>
      problemResponse(name, { detail, requestId, instance, headers });

    const caller = verifyIdentity(request.headers.get(IDENTITY_HEADER), signingKey(), Date.now() / 1000);
    if (!caller) {
      // Only reachable when the proxy did not run for this request: refuse, never serve.
      log.error("gate.identity_missing", { requestId, operation: operation.id });
      return problem("invalid_token", "Send a valid access token in the Authorization header.", {
        "www-authenticate": 'Bearer realm="api"',
      });
    }
    const missing = requiredScopes(operation.scopes).filter((scope) => !caller.scopes.includes(scope));
    const scopesOk =
      "allOf" in operation.scopes ? missing.length === 0 : missing.length < operation.scopes.anyOf.length;
    if (!scopesOk) {
      return problem("insufficient_scope", "The access token lacks a scope this operation requires.");
    }

    try {
      const db = getDb();
      const customerId = await resolveCustomer(db, caller);
      if (!customerId) {
        return problem(
          "unknown_customer",
          caller.kind === "machine"
            ? "This client is not registered to a customer, or it was revoked. Create a client in the dashboard."
            : "Sign in to the dashboard once to set up your account, then try again.",
        );
      }

      const input = await parseInput(operation, request, (await route.params) ?? {});
      if (!input.success) return problem("invalid_request", input.detail);

      const result = await handler({ input: input.data, caller, customerId, db, requestId });
      const headers = { [REQUEST_ID_HEADER]: requestId, "cache-control": "no-store" };
      if (operation.response.status === 204) return new Response(null, { status: 204, headers });
      return Response.json(result, { status: operation.response.status, headers });
    } catch (error) {
      if (error instanceof ApiProblem) return problem(error.problem, error.detail);
      log.error("api.handler_failed", {
        requestId,
        operation: operation.id,
        error: error instanceof Error ? error.message : String(error),
      });
      return problem(
        "internal_error",
        `Something went wrong on our side. Quote request id ${requestId} to support.`,
      );
    }
  };
}

type Parsed<O extends Operation> = { success: true; data: InputOf<O> } | { success: false; detail: string };

async function parseInput<O extends Operation>(
  operation: O,
  request: Request,
  params: Record<string, string | string[]>,
): Promise<Parsed<O>> {
  let body: unknown = undefined;
  if (!(operation.body instanceof z.ZodUndefined)) {
    const type = request.headers.get("content-type") ?? "";
    if (!/^application\/(.+\+)?json\b/i.test(type)) {
      return { success: false, detail: "Send the request body as JSON with Content-Type: application/json." };
    }
    try {
      body = await request.json();
    } catch {
      return { success: false, detail: "The request body is not valid JSON." };
    }
  }
  const query = Object.fromEntries(new URL(request.url).searchParams);
  const results = {
    params: operation.params.safeParse(params),
    query: operation.query.safeParse(query),
    body: operation.body.safeParse(body),
  };
  const issues = Object.entries(results).flatMap(([part, result]) =>
    result.success
      ? []
      : result.error.issues.map((issue) => `${[part, ...issue.path].join(".")}: ${issue.message}`),
  );
  if (issues.length > 0) return { success: false, detail: `Invalid input. ${issues.join("; ")}.` };
  return {
    success: true,
    data: { params: results.params.data, query: results.query.data, body: results.body.data } as InputOf<O>,
  };
}
