/** Used when a 429 says nothing about when to retry. */
const DEFAULT_WAIT_SECONDS = 1;

/**
 * Seconds to wait before retrying a request answered 429: `Retry-After` (delta-seconds or an HTTP
 * date, RFC 9110 §10.2.3), else Auth0's `X-RateLimit-Reset` (epoch seconds, which Auth0 sends on
 * every rate-limited Management API response), else 1. Never negative; whole seconds, rounded up.
 *
 * @example retryAfterSeconds(new Headers({ "retry-after": "3" }), Date.now()) // 3
 */
export function retryAfterSeconds(headers: Headers, nowMs: number): number {
  const retryAfter = headers.get("retry-after")?.trim();
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter);
    // Every HTTP-date form starts with the day's name; Date.parse alone reads "1.5" as a date.
    const date = /^[A-Za-z]{3}/.test(retryAfter) ? Date.parse(retryAfter) : Number.NaN;
    if (!Number.isNaN(date)) return untilMs(date, nowMs);
  }
  const reset = headers.get("x-ratelimit-reset")?.trim();
  if (reset && /^\d+$/.test(reset)) return untilMs(Number(reset) * 1000, nowMs);
  return DEFAULT_WAIT_SECONDS;
}

function untilMs(thenMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((thenMs - nowMs) / 1000));
}
