import "server-only";
import { randomUUID } from "node:crypto";
import { withLogContext } from "@/lib/log";
import { authenticateCall } from "./authenticate-call";
import { catalog } from "@/product/operations";
import { problemResponse } from "./problems";

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

  const match = catalog.match(request.method, instance);
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

  const authentication = await authenticateCall(request, match.operation, { requestId, instance });
  if (!authentication.ok) return refuse(authentication.response);
  // The handler may run in another process (Vercel deploys the proxy apart from the functions): hand it
  // the token this exchange got, so it verifies that token instead of exchanging the credentials
  // again. It trusts nothing it is given: a bearer token is verified like any other.
  return authentication.exchanged
    ? { admitted: true, requestId, authorization: `Bearer ${authentication.exchanged}` }
    : { admitted: true, requestId };
}

function refuse(response: Response): Admission {
  return { admitted: false, response };
}
