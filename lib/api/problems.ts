import { PROBLEM_TYPES, problemType, type ProblemName } from "@/lib/errors";

export { PROBLEM_TYPES, problemType, type ProblemName };

export interface ProblemOptions {
  detail?: string;
  requestId?: string;
  instance?: string;
  headers?: HeadersInit;
  /** Extension members (RFC 9457 §3.2), e.g. `{ allowed: ["GET"] }`. */
  extensions?: Record<string, unknown>;
}

/** An `application/problem+json` response for a problem of the table (until its callers throw instead). */
export function problemResponse(name: ProblemName, options: ProblemOptions = {}): Response {
  const { status, title } = PROBLEM_TYPES[name];
  const headers = new Headers(options.headers);
  headers.set("content-type", "application/problem+json");
  headers.set("cache-control", "no-store");
  if (options.requestId) headers.set("x-request-id", options.requestId);
  const body = {
    ...options.extensions,
    type: problemType(name),
    title,
    status,
    ...(options.detail ? { detail: options.detail } : {}),
    ...(options.instance ? { instance: options.instance } : {}),
    ...(options.requestId ? { request_id: options.requestId } : {}),
  };
  return new Response(JSON.stringify(body), { status, headers });
}
