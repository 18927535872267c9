import "server-only";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { getDb, type Database } from "@/lib/db";
import { isDatabaseUnavailable } from "@/lib/db/database-unavailable";
import { problemResponse, TollgateError, type ProblemContext } from "@/lib/errors";
import { log, withLogContext } from "@/lib/log";
import { reportUsageSoon } from "@/lib/metering/reporter";
import { credentialOf } from "@/lib/metering/usage-credentials";
import { unitsFor, type InputOf, type Operation, type ResultOf } from "./catalog";
import { enforcePlan, type PlanAdmission } from "./enforce-plan";
import type { VerifiedToken } from "@/lib/gate";
import { API_REALM, authenticateCall } from "./authenticate-call";
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

// Next passes no params (undefined) to handlers of routes without dynamic segments.
type RouteContext = { params?: Promise<Record<string, string | string[]> | undefined> };

/**
 * Wraps a route handler for a catalog operation: authenticates the call again (defence in depth against
 * proxy bypasses; a token-cache hit after the proxy), resolves the caller's customer, validates the
 * input against the operation's schemas, holds the call to the plan (lib/api/enforce-plan.ts), runs
 * the handler, meters it and answers with the declared status. Handlers stay a few lines; they refuse
 * by throwing a `TollgateError`, answered like every other refusal, unmetered.
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
    const where: ProblemContext = { requestId, instance: url.pathname, realm: API_REALM };
    try {
      const { token: caller } = await authenticateCall(request, operation, requestId, { freshKeys: true });
      const db = getDb();
      const { customerId, input, units, plan } = await admit(db, caller, request, url, route, requestId);
      let result: ResultOf<O>;
      try {
        result = await handler({ input, caller, customerId, db, requestId });
      } catch (error) {
        await release(plan, requestId);
        // The handler's own refusal carries the plan's headers, as its answer would have.
        if (error instanceof TollgateError) {
          return problemResponse(error, { ...where, headers: plan.headers });
        }
        throw handlerFailure(error, requestId);
      }
      await commit(plan, { requestId, customerId, units });
      // Metered usage reaches Stripe from the API itself: a run after this answer, now and then.
      if (units > 0) reportUsageSoon();
      const headers = { ...plan.headers, [REQUEST_ID_HEADER]: requestId, "cache-control": "no-store" };
      if (operation.response.status === 204) return new Response(null, { status: 204, headers });
      return Response.json(result, { status: operation.response.status, headers });
    } catch (error) {
      if (!(error instanceof TollgateError)) throw error;
      return problemResponse(error, where);
    }
  }

  /** The caller's customer, the parsed input and the plan's admission of the call. */
  async function admit(
    db: Database,
    caller: VerifiedToken,
    request: Request,
    url: URL,
    route: RouteContext,
    requestId: string,
  ): Promise<{ customerId: string; input: InputOf<O>; units: number; plan: PlanAdmission }> {
    try {
      const customerId = await resolveCustomer(db, caller);
      if (!customerId) {
        throw new TollgateError("ERR_UNKNOWN_CUSTOMER", {
          detail:
            caller.kind !== "person"
              ? "This client is not registered to a customer, or it was revoked. Create a client in the dashboard."
              : "Sign in to the dashboard once to set up your account, then try again.",
        });
      }
      const input = await parseInput(operation, request, url, (await route.params) ?? {});
      const units = unitsFor(operation, input);
      const plan = await enforcePlan(db, customerId, operation, units, {
        apiKey: caller.apiKey,
        credential: credentialOf(caller),
      });
      return { customerId, input, units, plan };
    } catch (error) {
      if (error instanceof TollgateError) throw error;
      // The database (or rate-limit store) did not answer: refuse, never serve unmetered.
      log.error("api.admission_failed", { requestId, operation: operation.id, error: errorMessage(error) });
      throw new TollgateError("ERR_PLAN_UNAVAILABLE", RETRY_SOON);
    }
  }

  /** Records the call's units, durably, before the answer leaves. */
  async function commit(
    plan: PlanAdmission,
    call: { requestId: string; customerId: string; units: number },
  ): Promise<void> {
    try {
      await plan.commit();
    } catch (error) {
      // Unrecorded means unserved: a 2xx now would be a call nobody pays for. The handler's work is
      // done, though, so say that it stands. Alert on this event (README, Operations).
      log.error("metering.record_failed", {
        ...call,
        operation: operation.id,
        meter: operation.cost.meter,
        error: errorMessage(error),
      });
      await release(plan, call.requestId);
      throw new TollgateError("ERR_USAGE_NOT_RECORDED", RETRY_SOON);
    }
  }

  /** What a handler's unexpected failure is answered as. */
  function handlerFailure(error: unknown, requestId: string): TollgateError {
    log.error("api.handler_failed", { requestId, operation: operation.id, error: errorMessage(error) });
    if (isDatabaseUnavailable(error)) return new TollgateError("ERR_DATABASE_UNAVAILABLE", RETRY_SOON);
    return new TollgateError("ERR_INTERNAL", {
      detail: `Something went wrong on our side. Quote request id ${requestId} to support.`,
    });
  }
}

const RETRY_SOON = { retryAfterSeconds: 5 };

/** Gives back a reserved quota; a failure to is logged, not answered. */
async function release(plan: PlanAdmission, requestId: string): Promise<void> {
  await plan
    .release()
    .catch((releaseError: unknown) =>
      log.error("metering.release_failed", { requestId, error: errorMessage(releaseError) }),
    );
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The call's params, query and body, parsed with the operation's schemas. */
async function parseInput<O extends Operation>(
  operation: O,
  request: Request,
  url: URL,
  params: Record<string, string | string[]>,
): Promise<InputOf<O>> {
  const invalid = (detail: string) => new TollgateError("ERR_INVALID_INPUT", { detail });
  let body: unknown = undefined;
  if (!(operation.body instanceof z.ZodUndefined)) {
    const type = request.headers.get("content-type") ?? "";
    if (!/^application\/(.+\+)?json\b/i.test(type)) {
      throw invalid("Send the request body as JSON with Content-Type: application/json.");
    }
    try {
      body = await request.json();
    } catch {
      throw invalid("The request body is not valid JSON.");
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
  if (issues.length > 0) throw invalid(`Invalid input. ${issues.join("; ")}.`);
  return { params: results.params.data, query: results.query.data, body: results.body.data } as InputOf<O>;
}
