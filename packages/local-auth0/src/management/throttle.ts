import type { IncomingMessage } from "node:http";
import { ManagementError } from "./management-error";

/**
 * A test hook: the next `times` matching requests are answered 429, as a tenant over its Management API
 * rate limit answers them (Auth0's free tenants sustain about 2 requests a second).
 */
export interface ManagementThrottle {
  /** Seconds sent in `Retry-After`, and added to now for `X-RateLimit-Reset` (epoch seconds). */
  retryAfterSeconds: number;
  /** How many requests to refuse; default 1. */
  times?: number;
  /** Only requests with this method (e.g. `POST`). */
  method?: string;
  /** Only requests whose path starts with this (e.g. `/api/v2/client-grants`). */
  path?: string;
}

/** The throttles set by tests; `refusal` uses up the first one a request matches. */
export function createThrottles() {
  const throttles: Array<ManagementThrottle & { times: number }> = [];
  return {
    add(throttle: ManagementThrottle): void {
      throttles.push({ ...throttle, times: throttle.times ?? 1 });
    },
    /** The 429 for a request that a throttle matches, used up by one; undefined when none does. */
    refusal(req: IncomingMessage, url: URL): ManagementError | undefined {
      const index = throttles.findIndex(
        (throttle) =>
          (throttle.method === undefined || throttle.method === req.method) &&
          (throttle.path === undefined || url.pathname.startsWith(throttle.path)),
      );
      const throttle = throttles[index];
      if (!throttle) return undefined;
      throttle.times -= 1;
      if (throttle.times <= 0) throttles.splice(index, 1);
      // Auth0 sends X-RateLimit-* on every rate-limited endpoint; Retry-After is sent too, for clients
      // that read the standard header.
      return new ManagementError(429, "Global limit has been reached", "too_many_requests", {
        "retry-after": String(throttle.retryAfterSeconds),
        "x-ratelimit-limit": "2",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + throttle.retryAfterSeconds),
      });
    },
  };
}
