import "server-only";
import { randomUUID } from "node:crypto";
import { problemResponse, TollgateError } from "@/lib/errors";
import { withLogContext } from "@/lib/log";
import { catalog } from "@/product/operations";
import { API_REALM, authenticateCall } from "./authenticate-call";
import type { Operation } from "./catalog";

/**
 * The proxy's verdict on an API request: refuse with `response`, or let it through to its handler.
 * `authorization` replaces the request's own when the proxy exchanged Basic credentials for a token.
 */
export type Admission =
  { admitted: false; response: Response } | { admitted: true; requestId: string; authorization?: string };

/**
 * Decides whether an `/api/v1` request may reach its route handler: the operation must exist in the
 * catalog (404) for this method (405), and the caller must authenticate with the operation's scopes
 * (see `authenticateCall`: 401/403/400/429/503). No identity is forwarded to the handler: it
 * authenticates the request again from the token itself, so no header a client could forge is trusted.
 */
export function admitRequest(request: Request): Promise<Admission> {
  const requestId = randomUUID();
  return withLogContext({ requestId }, () => admit(request, requestId));
}

async function admit(request: Request, requestId: string): Promise<Admission> {
  const instance = new URL(request.url).pathname;
  try {
    const operation = findOperation(request.method, instance);
    const { exchanged } = await authenticateCall(request, operation, requestId);
    // The handler may run in another process (Vercel deploys the proxy apart from the functions): hand it
    // the token this exchange got, so it verifies that token instead of exchanging the credentials
    // again. It trusts nothing it is given: a bearer token is verified like any other.
    return exchanged
      ? { admitted: true, requestId, authorization: `Bearer ${exchanged}` }
      : { admitted: true, requestId };
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
    return { admitted: false, response: problemResponse(error, { requestId, instance, realm: API_REALM }) };
  }
}

function findOperation(method: string, path: string): Operation {
  const match = catalog.match(method, path);
  if (match.kind === "not_found") throw new TollgateError("ERR_OPERATION_NOT_FOUND");
  if (match.kind === "method_not_allowed") {
    const allow = match.allowed.join(", ");
    throw new TollgateError("ERR_METHOD_NOT_ALLOWED", {
      detail: `This path accepts ${allow}.`,
      headers: { allow },
      extensions: { allowed: match.allowed },
    });
  }
  return match.operation;
}
