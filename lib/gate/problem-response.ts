import { GATE_ERROR_TABLE, problemTypeUri, type BearerErrorCode } from "./error-table";
import type { GateError } from "./errors";

/** What an `application/problem+json` response (RFC 9457) is made of. */
export interface ProblemInit {
  /** Full problem type URI, e.g. `https://tollgate.dev/problems/not-found` (see `problemTypeUri`). */
  type: string;
  title: string;
  status: number;
  /** What the client should do, in plain words; never secrets, tokens or internal reasons. */
  detail?: string;
  /** URI of this occurrence, usually the request path. */
  instance?: string;
  /** Echoed as `request_id` and the `x-request-id` header, so a support request can quote it. */
  requestId?: string;
  /** Extra headers, e.g. `Allow` for 405 or `Retry-After` for 429/503. */
  headers?: HeadersInit;
  /** Extension members (RFC 9457 §3.2); they cannot override the standard members. */
  extensions?: Record<string, unknown>;
}

/**
 * An `application/problem+json` response, shaped like every other problem the API returns.
 *
 * @example
 *   problemResponse({ type: problemTypeUri("method-not-allowed"), title: "Method not allowed", status: 405,
 *     requestId, headers: { allow: "GET, POST" } })
 */
export function problemResponse(init: ProblemInit): Response {
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/problem+json");
  headers.set("cache-control", "no-store");
  if (init.requestId) headers.set("x-request-id", init.requestId);
  const body = {
    ...init.extensions,
    type: init.type,
    title: init.title,
    status: init.status,
    ...(init.detail ? { detail: init.detail } : {}),
    ...(init.instance ? { instance: init.instance } : {}),
    ...(init.requestId ? { request_id: init.requestId } : {}),
  };
  return new Response(JSON.stringify(body), { status: init.status, headers });
}

/** Where a gate error response is answered from, for the problem body and the challenge. */
export interface GateErrorResponseOptions {
  requestId?: string;
  /** Usually the request path (never the query: it may hold a token). */
  instance?: string;
  /** RFC 6750 `realm`; default `"tollgate"`. */
  realm?: string;
}

/**
 * The response for a {@link GateError}: problem+json with the table's status, type and public detail,
 * `WWW-Authenticate: Bearer ...` where RFC 6750 applies (no `error` when no token was sent), and
 * `Retry-After` on 503. The error's `reason` is not included; log it with `error.toLogFields()`.
 */
export function gateErrorResponse(error: GateError, options: GateErrorResponseOptions = {}): Response {
  const entry = GATE_ERROR_TABLE[error.code];
  const headers = new Headers();
  if (entry.challenge) {
    headers.set(
      "www-authenticate",
      bearerChallenge({
        realm: options.realm ?? "tollgate",
        error: entry.bearerError ?? undefined,
        description: entry.bearerError ? entry.detail : undefined,
        scope: entry.bearerError === "insufficient_scope" ? error.requiredScopes : undefined,
      }),
    );
  }
  if (error.retryAfterSeconds !== undefined) {
    headers.set("retry-after", String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  }
  return problemResponse({
    type: problemTypeUri(entry.problem),
    title: entry.title,
    status: entry.status,
    detail: entry.detail,
    instance: options.instance,
    requestId: options.requestId,
    headers,
    extensions:
      error.code === "ERR_INSUFFICIENT_SCOPE" ? { required_scopes: [...error.requiredScopes] } : undefined,
  });
}

/** Parameters of an RFC 6750 §3 `Bearer` challenge. */
export interface BearerChallenge {
  realm: string;
  error?: BearerErrorCode;
  description?: string;
  scope?: readonly string[];
}

/**
 * A `WWW-Authenticate` value: `Bearer realm="api", error="insufficient_scope", scope="a b"`.
 * Values are reduced to the characters RFC 6750 allows, so nothing can break out of the quotes.
 */
export function bearerChallenge(challenge: BearerChallenge): string {
  const parts = [`Bearer realm="${quoted(challenge.realm)}"`];
  if (challenge.error) parts.push(`error="${challenge.error}"`);
  if (challenge.description)
    parts.push(`error_description="${challenge.description.replace(NOT_NQSCHAR, "")}"`);
  if (challenge.scope && challenge.scope.length > 0) {
    const scopes = challenge.scope.map((scope) => scope.replace(NOT_NQCHAR, "")).filter(Boolean);
    parts.push(`scope="${scopes.join(" ")}"`);
  }
  return parts.join(", ");
}

// RFC 6749 Appendix A: error_description is NQSCHAR (%x20-21 / %x23-5B / %x5D-7E), scope tokens NQCHAR.
const NOT_NQSCHAR = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;
const NOT_NQCHAR = /[^\x21\x23-\x5b\x5d-\x7e]/g;

function quoted(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, "").replace(/["\\]/g, "\\$&");
}
