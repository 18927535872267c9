import { describe, expect, it } from "vitest";
import { retryAfterSeconds } from "./retry-after";

const NOW = Date.parse("2026-12-05T10:00:00.000Z");
const epoch = (offsetSeconds: number) => String(Math.floor(NOW / 1000) + offsetSeconds);

describe("retryAfterSeconds", () => {
  it.each([
    ["Retry-After in seconds", { "retry-after": "5" }, 5],
    ["Retry-After 0", { "retry-after": "0" }, 0],
    ["Retry-After as an HTTP date", { "retry-after": "Sat, 05 Dec 2026 10:00:30 GMT" }, 30],
    ["Retry-After as a date in the past", { "retry-after": "Sat, 05 Dec 2026 09:59:00 GMT" }, 0],
    ["Auth0's X-RateLimit-Reset alone", { "x-ratelimit-reset": epoch(3) }, 3],
    ["X-RateLimit-Reset in the past", { "x-ratelimit-reset": epoch(-10) }, 0],
    ["Retry-After before X-RateLimit-Reset", { "retry-after": "2", "x-ratelimit-reset": epoch(60) }, 2],
    [
      "an unreadable Retry-After, then the reset",
      { "retry-after": "soon", "x-ratelimit-reset": epoch(4) },
      4,
    ],
    ["a fractional Retry-After (not delta-seconds)", { "retry-after": "1.5" }, 1],
    ["neither header", {}, 1],
  ])("%s", (_case, headers: Record<string, string>, expected) => {
    expect(retryAfterSeconds(new Headers(headers), NOW)).toBe(expected);
  });
});
