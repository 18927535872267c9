import { problemResponse as gateProblemResponse } from "@/lib/gate/problem-response";
import { problemTypeUri } from "@/lib/gate/error-table";

/**
 * Every problem the API answers with (RFC 9457), in one table: its HTTP status, stable `type` URI and
 * title. Clients should branch on `type`; `detail` is for people.
 */
export const PROBLEM_TYPES = {
  invalid_request: { status: 400, title: "The request is malformed", inOpenApi: true },
  invalid_token: { status: 401, title: "Authentication required", inOpenApi: true },
  subscription_required: { status: 402, title: "Your plan does not include this operation", inOpenApi: true },
  insufficient_scope: { status: 403, title: "The access token lacks a required scope", inOpenApi: true },
  role_required: { status: 403, title: "The caller lacks a required role", inOpenApi: false },
  unknown_customer: { status: 403, title: "The caller is not linked to a customer", inOpenApi: false },
  not_found: { status: 404, title: "Not found", inOpenApi: true },
  method_not_allowed: { status: 405, title: "Method not allowed", inOpenApi: false },
  payload_too_large: { status: 413, title: "The request body is too large", inOpenApi: false },
  unsupported_media_type: { status: 415, title: "Send the body as application/json", inOpenApi: false },
  quota_exceeded: { status: 429, title: "Monthly quota used up", inOpenApi: false },
  rate_limited: { status: 429, title: "Too many requests", inOpenApi: true },
  internal_error: { status: 500, title: "Internal error", inOpenApi: false },
  service_unavailable: { status: 503, title: "Service temporarily unavailable", inOpenApi: true },
} as const satisfies Record<string, { status: number; title: string; inOpenApi: boolean }>;

export type ProblemName = keyof typeof PROBLEM_TYPES;

/** The stable `type` URI of a problem. */
export function problemType(name: ProblemName): string {
  return problemTypeUri(name.replaceAll("_", "-"));
}

export interface ProblemOptions {
  detail?: string;
  requestId?: string;
  instance?: string;
  headers?: HeadersInit;
  /** Extension members (RFC 9457 §3.2), e.g. `{ allowed: ["GET"] }`. */
  extensions?: Record<string, unknown>;
}

/** An `application/problem+json` response for a problem of the table. */
export function problemResponse(name: ProblemName, options: ProblemOptions = {}): Response {
  const { status, title } = PROBLEM_TYPES[name];
  return gateProblemResponse({ type: problemType(name), title, status, ...options });
}
