/**
 * What the sandbox's request handlers share: the context they run in, JSON answers, bodies, API keys
 * and the headers both API versions check.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { SESSION_TOKEN_PREFIX } from "../api/meter-event-stream";
import type { SandboxEngine } from "../engine/sandbox-engine";
import { StripeApiError, unsupported } from "../errors";
import type { Faults } from "./faults";

const MAX_BODY = 1024 * 1024;
/** Stripe keeps idempotency keys for 24 hours (https://docs.stripe.com/api/idempotent_requests). */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

/** What every handler runs with: the engine and how a request reads or changes it. */
export interface SandboxContext {
  engine: SandboxEngine;
  /** Only this secret key is accepted; undefined: any `sk_test_`/`rk_test_` key. */
  apiKey: string | undefined;
  /** The sandbox's own origin, for hosted page URLs. */
  baseUrl: string;
  faults: Faults;
  /** Log each API request to the console. */
  log: boolean;
  /** Catches the clock up (a renewal is due the moment its period ends), then reads; saves nothing. */
  read<T>(action: () => T): T;
  /**
   * Catches the clock up, runs a change, then reports the meter events it dropped (as Stripe reports
   * them after answering) and saves.
   */
  mutate<T>(action: () => T): T;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "cache-control": "no-cache, no-store",
    ...headers,
  });
  res.end(JSON.stringify(body, null, 2));
}

/** The request body as text, refused with 413 past 1 MB. */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new StripeApiError(413, "invalid_request_error", "Request body too large.");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The secret key of a request (Bearer, or Basic with the key as user as curl -u sends it). */
export function apiKeyOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization ?? "";
  const [scheme = "", value = ""] = header.split(" ");
  if (scheme.toLowerCase() === "bearer") return value.trim() || undefined;
  if (scheme.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    return decoded.split(":")[0] || undefined;
  }
  return undefined;
}

/** Refuses a request without a test secret key (or without `expected`, when one is set). */
export function authenticate(req: IncomingMessage, expected: string | undefined): void {
  const key = apiKeyOf(req);
  if (!key) {
    throw new StripeApiError(
      401,
      "invalid_request_error",
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  const masked = `${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;
  const valid = expected ? key === expected : /^(sk|rk)_test_\w+$/.test(key);
  if (!valid) {
    throw new StripeApiError(
      401,
      "invalid_request_error",
      key.startsWith(SESSION_TOKEN_PREFIX)
        ? "A meter event session token only authenticates POST /v2/billing/meter_event_stream; use your secret key."
        : key.startsWith("sk_live_") || key.startsWith("rk_live_")
          ? "The Stripe sandbox only accepts test mode keys."
          : `Invalid API Key provided: ${masked}`,
      "api_key_invalid",
    );
  }
}

/** Headers both API versions check the same way. */
export function checkHeaders(req: IncomingMessage): void {
  const version = req.headers["stripe-version"];
  if (typeof version === "string" && !/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(version)) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      `Invalid Stripe API version: ${version}`,
      "api_version_invalid",
    );
  }
  if (typeof req.headers["stripe-account"] === "string") throw unsupported("Connect (Stripe-Account)");
}

/** The `Idempotency-Key` of a POST, if any. */
export function idempotencyKeyOf(req: IncomingMessage): string | null {
  const key = req.headers["idempotency-key"];
  return req.method === "POST" && typeof key === "string" ? key : null;
}

/** Canonical JSON (sorted keys) so the same parameters in another order still match. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Headers for errors: Stripe tells clients not to retry what will fail again. */
export function retryHeaders(status: number): Record<string, string> {
  return status === 429 || status >= 500 ? {} : { "stripe-should-retry": "false" };
}
