/**
 * `/v1/*`: form-encoded parameters, Stripe error bodies, `expand[]`, and idempotency as v1 has it: a
 * key replays the answer of a request that ran, not a refusal of its parameters
 * (https://docs.stripe.com/api/idempotent_requests).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { matchRoute } from "@tollgate/local-http";
import type { ApiRoute } from "../api/route";
import { SANDBOX_API_VERSION } from "../engine/sandbox-engine";
import { StripeApiError } from "../errors";
import { expandResponse } from "../expand";
import { FormEncodingError, parseStripeForm, type FormObject } from "../form-encoding";
import { newId } from "../ids";
import { Params } from "../params";
import { faultError } from "./faults";
import {
  IDEMPOTENCY_TTL_MS,
  authenticate,
  canonical,
  checkHeaders,
  idempotencyKeyOf,
  readBody,
  retryHeaders,
  sendJson,
  type SandboxContext,
} from "./http";

/** The parameters of a request: the form body of a POST or DELETE, the query of a GET. */
async function readParameters(req: IncomingMessage, url: URL): Promise<FormObject> {
  const body = req.method === "GET" ? "" : await readBody(req);
  if (body && !(req.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded")) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      "Invalid request: v1 endpoints take application/x-www-form-urlencoded bodies.",
    );
  }
  try {
    return parseStripeForm(body ? body : url.search.slice(1));
  } catch (error) {
    if (error instanceof FormEncodingError) {
      throw new StripeApiError(400, "invalid_request_error", error.message, "parameter_invalid", error.param);
    }
    throw error;
  }
}

/** Answers a v1 request from `routes`. */
export async function handleV1(
  context: SandboxContext,
  routes: readonly ApiRoute[],
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const { engine } = context;
  const { idempotency } = engine.state;
  const requestId = newId("req");
  const method = req.method ?? "GET";
  const headers: Record<string, string> = {
    "request-id": requestId,
    "stripe-version": SANDBOX_API_VERSION,
  };
  const idempotencyKey = idempotencyKeyOf(req);
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  try {
    authenticate(req, context.apiKey);
    checkHeaders(req);
    const raw = await readParameters(req, url);
    const fingerprint = idempotencyKey ? canonical({ method, path: url.pathname, raw }) : "";
    if (idempotencyKey) {
      const stored = idempotency.get(idempotencyKey);
      if (stored && Date.now() - stored.storedAt < IDEMPOTENCY_TTL_MS) {
        if (stored.fingerprint !== fingerprint) {
          throw new StripeApiError(
            400,
            "idempotency_error",
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
          );
        }
        sendJson(res, stored.status, stored.body, { ...headers, "idempotent-replayed": "true" });
        return;
      }
    }
    const found = matchRoute(routes, method, url.pathname);
    if (!found) {
      throw new StripeApiError(
        404,
        "invalid_request_error",
        `Unrecognized request URL (${method}: ${url.pathname}). The Tollgate Stripe sandbox implements the subset listed in packages/stripe-sandbox/README.md.`,
      );
    }
    const fault = context.faults.pick(url.pathname);
    if (fault && !fault.after) throw faultError(fault.status);
    const params = new Params(raw);
    engine.request = { id: method === "GET" ? null : requestId, idempotencyKey };
    let result: object;
    try {
      const run = () => found.route.handler({ engine, params, path: found.path, baseUrl: context.baseUrl });
      result = method === "GET" ? context.read(run) : context.mutate(run);
    } finally {
      engine.request = { id: null, idempotencyKey: null };
    }
    const response = structuredClone(expandResponse(engine, result, params.strings("expand")));
    if (fault?.after) {
      const error = faultError(fault.status);
      if (idempotencyKey) {
        idempotency.set(idempotencyKey, {
          fingerprint,
          status: error.status,
          body: error.toBody(),
          storedAt: Date.now(),
        });
      }
      throw error;
    }
    if (idempotencyKey)
      idempotency.set(idempotencyKey, {
        fingerprint,
        status: 200,
        body: response,
        storedAt: Date.now(),
      });
    if (context.log) console.log(`[stripe] ${method} ${url.pathname} 200`);
    sendJson(res, 200, response, headers);
  } catch (error) {
    if (!(error instanceof StripeApiError)) {
      console.error("[stripe] unexpected error", error);
      sendJson(
        res,
        500,
        new StripeApiError(500, "api_error", "An unexpected error occurred in the sandbox.").toBody(),
        headers,
      );
      return;
    }
    if (context.log) console.log(`[stripe] ${method} ${url.pathname} ${error.status} ${error.message}`);
    sendJson(res, error.status, error.toBody(), { ...headers, ...retryHeaders(error.status) });
  }
}
