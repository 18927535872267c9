import "server-only";
import { randomUUID } from "node:crypto";
import { getConfig } from "@/lib/config";
import { createGate, gateErrorResponse, isGateError, type Gate, type VerifiedToken } from "@/lib/gate";
import { log } from "@/lib/log";
import { IDENTITY_HEADER, identityKey, signIdentity, type CallerIdentity } from "./identity";
import { catalog } from "./operations";
import { problemResponse } from "./problems";
import { REQUEST_ID_HEADER } from "./with-operation";

/** Headers a client may send but must never reach a route handler as sent. */
const UNTRUSTED_HEADERS = [IDENTITY_HEADER, "x-middleware-subrequest", REQUEST_ID_HEADER];

/** The proxy's verdict on an API request: refuse with `response`, or forward with these headers. */
export type Admission =
  { admitted: false; response: Response } | { admitted: true; headers: Headers; requestId: string };

interface GateState {
  gate: Gate;
  key: Buffer;
}
let state: GateState | undefined;

function gateState(): GateState {
  if (!state) {
    const config = getConfig();
    state = {
      gate: createGate({
        ...config.gate,
        onJwksFetchError: (error) =>
          log.error("gate.jwks_fetch_failed", { jwksUri: config.gate.jwksUri, error: error.message }),
      }),
      key: identityKey(config.auth.sessionSecret),
    };
  }
  return state;
}

/** The gate of this process (for tests and benchmarks that inspect its caches). */
export function currentGate(): Gate {
  return gateState().gate;
}

/**
 * Decides whether an `/api/v1` request may reach its route handler: the operation must exist in the
 * catalog (404) for this method (405), and the caller must present a valid access token with the
 * operation's scopes (401/403/400/503, RFC 6750 + RFC 9457). Admitted requests are forwarded with a
 * signed identity header; whatever the client sent under that name is dropped.
 */
export async function admitRequest(request: Request): Promise<Admission> {
  const requestId = randomUUID();
  const url = new URL(request.url);
  const instance = url.pathname;

  const match = catalog.match(request.method, url.pathname);
  if (match.kind === "not_found") {
    return refuse(
      problemResponse("not_found", {
        requestId,
        instance,
        detail: "No API operation at this path. See /api/openapi.json.",
      }),
    );
  }
  if (match.kind === "method_not_allowed") {
    const allow = match.allowed.join(", ");
    return refuse(
      problemResponse("method_not_allowed", {
        requestId,
        instance,
        detail: `This path accepts ${allow}.`,
        headers: { allow },
        extensions: { allowed: match.allowed },
      }),
    );
  }

  const { gate, key } = gateState();
  let token: VerifiedToken;
  try {
    token = await gate.authenticate(request, match.operation.scopes);
  } catch (error) {
    if (!isGateError(error)) {
      log.error("gate.failed", { requestId, operation: match.operation.id, error: String(error) });
      return refuse(
        problemResponse("internal_error", {
          requestId,
          instance,
          detail: `Quote request id ${requestId} to support.`,
        }),
      );
    }
    log.info("gate.denied", { requestId, operation: match.operation.id, ...error.toLogFields() });
    return refuse(gateErrorResponse(error, { requestId, instance, realm: "api" }));
  }

  const identity: CallerIdentity = {
    subject: token.subject,
    kind: token.kind,
    clientId: token.clientId,
    scopes: [...token.scopes],
    expiresAt: token.expiresAt,
  };
  const headers = new Headers(request.headers);
  for (const name of UNTRUSTED_HEADERS) headers.delete(name);
  headers.set(IDENTITY_HEADER, signIdentity(identity, key));
  headers.set(REQUEST_ID_HEADER, requestId);
  return { admitted: true, headers, requestId };
}

function refuse(response: Response): Admission {
  return { admitted: false, response };
}
