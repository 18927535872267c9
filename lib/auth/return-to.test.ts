import { describe, expect, it } from "vitest";
import { isSameOriginPath, signInUrl } from "./return-to";

describe("isSameOriginPath", () => {
  it.each([
    ["/dashboard", true],
    ["/dashboard/api?tab=1#x", true],
    ["/", true],
    ["//evil.example/", false],
    ["/\\evil.example", false],
    ["https://evil.example/", false],
    ["javascript:alert(1)", false],
    ["dashboard", false],
    ["", false],
    ["/a\nSet-Cookie: x=1", false],
  ])("%j → %s", (path, expected) => {
    expect(isSameOriginPath(path)).toBe(expected);
  });
});

describe("signInUrl", () => {
  it("comes back to a same-origin path and nowhere else", () => {
    expect(signInUrl("/dashboard/billing")).toBe("/auth/login?returnTo=%2Fdashboard%2Fbilling");
    expect(signInUrl("https://evil.example/")).toBe("/auth/login?returnTo=%2Fdashboard");
  });
});
