import { ERROR_TABLE, PROBLEM_TYPES, problemType, type BearerErrorCode } from "./error-table";
import type { TollgateError } from "./tollgate-error";

/** Where an error is answered from. */
export interface ProblemContext {
  /** Echoed as `request_id` and the `x-request-id` header, so a support request can quote it. */
  requestId?: string;
  /** URI of this occurrence: the request path (never the query: it may hold a token). */
  instance?: string;
  /** RFC 6750 `realm` of the challenge; default `"tollgate"`. */
  realm?: string;
  /** Headers of the answer besides the error's own, e.g. the RateLimit headers of an admitted call. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * The one answer to a {@link TollgateError}: `application/problem+json` (RFC 9457) with the table's
 * status, type and title, the table's or the error's public detail and the error's extension members;
 * `WWW-Authenticate` where the table names a challenge (RFC 6750), `Retry-After` when the error says
 * when to retry. The error's `reason` stays out; log it with `error.toLogFields()`.
 *
 * @example
 *   catch (error) { if (error instanceof TollgateError) return problemResponse(error, { requestId, instance }) }
 */
export function problemResponse(error: TollgateError, context: ProblemContext = {}): Response {
  const entry = ERROR_TABLE[error.code];
  const { status, title } = PROBLEM_TYPES[entry.problem];
  const detail = error.detail ?? entry.detail;
  const headers = new Headers(context.headers);
  for (const [name, value] of Object.entries(error.headers)) headers.set(name, value);
  if (entry.challenge) {
    const realm = context.realm ?? "tollgate";
    if (entry.challenge.basic) headers.append("www-authenticate", `Basic realm="${quoted(realm)}"`);
    const { error: bearerError } = entry.challenge;
    headers.append(
      "www-authenticate",
      bearerChallenge({
        realm,
        error: bearerError ?? undefined,
        description: bearerError ? detail : undefined,
        scope: bearerError === "insufficient_scope" ? error.requiredScopes : undefined,
      }),
    );
  }
  if (error.retryAfterSeconds !== undefined) {
    headers.set("retry-after", String(Math.max(1, Math.ceil(error.retryAfterSeconds))));
  }
  headers.set("content-type", "application/problem+json");
  headers.set("cache-control", "no-store");
  if (context.requestId) headers.set("x-request-id", context.requestId);
  const body = {
    ...error.extensions,
    ...(error.code === "ERR_INSUFFICIENT_SCOPE" ? { required_scopes: [...error.requiredScopes] } : {}),
    type: problemType(entry.problem),
    title,
    status,
    ...(detail ? { detail } : {}),
    ...(context.instance ? { instance: context.instance } : {}),
    ...(context.requestId ? { request_id: context.requestId } : {}),
  };
  return new Response(JSON.stringify(body), { status, headers });
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
