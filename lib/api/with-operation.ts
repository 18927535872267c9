import "server-only";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { getDb, type Database } from "@/lib/db";
import { isDatabaseUnavailable } from "@/lib/db/database-unavailable";
import { log, withLogContext } from "@/lib/log";
import { reportUsageSoon } from "@/lib/metering/reporter";
import { unitsFor, type InputOf, type Operation, type ResultOf } from "./catalog";
import { enforcePlan, type PlanAdmission } from "./enforce-plan";
import type { VerifiedToken } from "@/lib/gate";
import { authenticateCall } from "./authenticate-call";
import { problemResponse, type ProblemName } from "./problems";
import { resolveCustomer } from "./resolve-customer";

/** The header carrying a request's id, in answers (quote it to support) and logs. */
export const REQUEST_ID_HEADER = "x-request-id";

/** What a handler knows about the call it serves. */
export interface OperationContext<O extends Operation> {
  input: InputOf<O>;
  caller: VerifiedToken;
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

/**
 * Wraps a route handler for a catalog operation: authenticates the call again (defence in depth against
 * proxy bypasses; a token-cache hit after the proxy), resolves the caller's customer, validates the
 * input against the operation's schemas, holds the call to the plan (lib/api/enforce-plan.ts), runs
 * the handler, meters it and answers with the declared status. Handlers stay a few lines.
 *
 * @example export const GET = withOperation(getWidget, ({ input, customerId, db }) => ...);
 */
export function withOperation<O extends Operation>(
  operation: O,
  handler: (context: OperationContext<O>) => Promise<ResultOf<O>> | ResultOf<O>,
) {
  const routeHandler = (request: Request, route: RouteContext): Promise<Response> => {
    const requestId = randomUUID();
    return withLogContext({ requestId }, () => serve(request, route, requestId));
  };
  // The route-to-catalog test reads which operation a route file serves.
  return Object.assign(routeHandler, { operation });

  async function serve(request: Request, route: RouteContext, requestId: string): Promise<Response> {
    const url = new URL(request.url);
    const instance = url.pathname;
    const problem = (name: ProblemName, detail: string, headers?: HeadersInit) =>
      problemResponse(name, { detail, requestId, instance, headers });

    const authentication = await authenticateCall(request, operation, { requestId, instance });
    if (!authentication.ok) return authentication.response;
    const caller = authentication.token;

    const db = getDb();
    let customerId: string | null;
    let plan: PlanAdmission;
    let input: Parsed<O>;
    let units = 0;
    try {
      customerId = await resolveCustomer(db, caller);
      if (!customerId) {
        return problem(
          "unknown_customer",
          caller.kind === "machine"
            ? "This client is not registered to a customer, or it was revoked. Create a client in the dashboard."
            : "Sign in to the dashboard once to set up your account, then try again.",
        );
      }
      input = await parseInput(operation, request, url, (await route.params) ?? {});
      if (!input.success) return problem("invalid_request", input.detail);
      units = unitsFor(operation, input.data);
      const admission = await enforcePlan(db, customerId, operation, units, {
        requestId,
        instance,
      });
      if (!admission.ok) return admission.response;
      plan = admission;
    } catch (error) {
      // The database (or rate-limit store) did not answer: refuse, never serve unmetered.
      log.error("api.admission_failed", { requestId, operation: operation.id, error: errorMessage(error) });
      return problem("service_unavailable", "The API cannot check your plan right now. Retry shortly.", {
        "retry-after": "5",
      });
    }

    let result: ResultOf<O>;
    try {
      result = await handler({ input: input.data, caller, customerId, db, requestId });
    } catch (error) {
      await plan
        .release()
        .catch((releaseError: unknown) =>
          log.error("metering.release_failed", { requestId, error: errorMessage(releaseError) }),
        );
      if (error instanceof ApiProblem) return problem(error.problem, error.detail, plan.headers);
      log.error("api.handler_failed", { requestId, operation: operation.id, error: errorMessage(error) });
      if (isDatabaseUnavailable(error)) {
        return problem("service_unavailable", "The API's database is unavailable right now. Retry shortly.", {
          "retry-after": "5",
        });
      }
      return problem(
        "internal_error",
        `Something went wrong on our side. Quote request id ${requestId} to support.`,
      );
    }

    try {
      // Durable metering: the units are committed before the answer leaves.
      await plan.commit();
    } catch (error) {
      // Unrecorded means unserved: a 2xx now would be a call nobody pays for. The handler's work is
      // done, though, so say that it stands. Alert on this event (README, Operations).
      log.error("metering.record_failed", {
        requestId,
        operation: operation.id,
        customerId,
        meter: operation.cost.meter,
        units,
        error: errorMessage(error),
      });
      await plan
        .release()
        .catch((releaseError: unknown) =>
          log.error("metering.release_failed", { requestId, error: errorMessage(releaseError) }),
        );
      return problem(
        "service_unavailable",
        "The API could not record this call's usage, so it is refused and not billed; any change it made stands. Retry shortly.",
        { "retry-after": "5" },
      );
    }
    // Metered usage reaches Stripe from the API itself: a run after this answer, now and then.
    if (units > 0) reportUsageSoon();
    const headers = { ...plan.headers, [REQUEST_ID_HEADER]: requestId, "cache-control": "no-store" };
    if (operation.response.status === 204) return new Response(null, { status: 204, headers });
    return Response.json(result, { status: operation.response.status, headers });
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type Parsed<O extends Operation> = { success: true; data: InputOf<O> } | { success: false; detail: string };

async function parseInput<O extends Operation>(
  operation: O,
  request: Request,
  url: URL,
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
  const query = Object.fromEntries(url.searchParams);
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
