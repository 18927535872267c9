/**
 * `/v2/*`: JSON bodies, v2 error bodies, and v2 idempotency: a key replays a success (so a retry
 * after a lost response records nothing twice) but not a failure, which the retry runs again
 * (https://docs.stripe.com/api-v2-overview#idempotency).
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { matchRoute } from "@tollgate/local-http";
import { authenticateSessionToken } from "../api/meter-event-stream";
import type { V2Route } from "../api/route";
import { SANDBOX_API_VERSION } from "../engine/sandbox-engine";
import { StripeApiError, StripeV2ApiError, invalidV2Field } from "../errors";
import { newId } from "../ids";
import { faultError } from "./faults";
import {
  IDEMPOTENCY_TTL_MS,
  apiKeyOf,
  authenticate,
  canonical,
  checkHeaders,
  idempotencyKeyOf,
  readBody,
  retryHeaders,
  sendJson,
  type SandboxContext,
} from "./http";

async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  if (text && !(req.headers["content-type"] ?? "").includes("application/json"))
    throw invalidV2Field("v2 endpoints take application/json bodies.");
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    throw invalidV2Field("The request body is not valid JSON.");
  }
}

/** A v2 error as the client gets it; any other error is the sandbox's own fault (500). */
function asV2Error(caught: unknown): StripeV2ApiError | undefined {
  if (caught instanceof StripeV2ApiError) return caught;
  if (caught instanceof StripeApiError) return StripeV2ApiError.from(caught);
  return undefined;
}

/** Answers a v2 request from `routes`. */
export async function handleV2(
  context: SandboxContext,
  routes: readonly V2Route[],
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const { engine } = context;
  const { idempotency } = engine.state;
  const method = req.method ?? "GET";
  const headers: Record<string, string> = {
    "request-id": newId("req"),
    "stripe-version": SANDBOX_API_VERSION,
  };
  const idempotencyKey = idempotencyKeyOf(req);
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  try {
    const found = matchRoute(routes, method, url.pathname);
    if (found?.route.handler.auth === "meter_event_session") authenticateSessionToken(engine, apiKeyOf(req));
    else {
      authenticate(req, context.apiKey);
      // Stripe's v2 APIs take secret keys only (https://docs.stripe.com/api-v2-overview); the
      // status and code are the sandbox's own.
      if (apiKeyOf(req)?.startsWith("rk_")) {
        throw new StripeV2ApiError(
          403,
          "invalid_request_error",
          "restricted_key_not_supported",
          "Restricted API keys cannot be used with v2 APIs. Use a secret key.",
        );
      }
    }
    checkHeaders(req);
    if (!found) {
      throw new StripeV2ApiError(
        404,
        "invalid_request_error",
        "not_found",
        `Unrecognized request URL (${method}: ${url.pathname}). The Tollgate Stripe sandbox implements the subset listed in packages/stripe-sandbox/README.md.`,
      );
    }
    const body = await readJson(req);
    // Hashed: a batch of 100 events would otherwise keep a 15 kB fingerprint in the state file.
    const fingerprint = idempotencyKey
      ? createHash("sha256")
          .update(canonical({ method, path: url.pathname, body }))
          .digest("base64url")
      : "";
    if (idempotencyKey) {
      const stored = idempotency.get(idempotencyKey);
      if (stored && Date.now() - stored.storedAt < IDEMPOTENCY_TTL_MS) {
        if (stored.fingerprint !== fingerprint) {
          throw new StripeV2ApiError(
            400,
            "idempotency_error",
            "idempotency_key_in_use",
            `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
          );
        }
        sendJson(res, stored.status, stored.body, { ...headers, "idempotent-replayed": "true" });
        return;
      }
    }
    const fault = context.faults.pick(url.pathname);
    if (fault && !fault.after) throw faultError(fault.status);
    const run = () => found.route.handler.handler(engine, body, found.path);
    const result = method === "GET" ? context.read(run) : context.mutate(run);
    if (idempotencyKey)
      idempotency.set(idempotencyKey, {
        fingerprint,
        status: 200,
        body: result,
        storedAt: Date.now(),
      });
    if (fault?.after) throw faultError(fault.status);
    if (context.log) console.log(`[stripe] ${method} ${url.pathname} 200`);
    sendJson(res, 200, result, headers);
  } catch (caught) {
    const error = asV2Error(caught);
    if (!error) {
      console.error("[stripe] unexpected error", caught);
      const unexpected = new StripeV2ApiError(
        500,
        "api_error",
        undefined,
        "An unexpected error occurred in the sandbox.",
      );
      sendJson(res, 500, unexpected.toBody(), headers);
      return;
    }
    if (context.log) console.log(`[stripe] ${method} ${url.pathname} ${error.status} ${error.message}`);
    sendJson(res, error.status, error.toBody(), { ...headers, ...retryHeaders(error.status) });
  }
}
