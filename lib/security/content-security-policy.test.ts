import { describe, expect, it } from "vitest";
import { contentSecurityPolicy } from "./content-security-policy";

describe("contentSecurityPolicy", () => {
  it("allows scripts only with the nonce and forbids framing", () => {
    const csp = contentSecurityPolicy({ nonce: "abc", development: false, formTargets: [] });
    expect(csp).toContain("script-src 'self' 'nonce-abc' 'strict-dynamic'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain("unsafe-eval");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
  });

  it("adds eval only in development and lists form targets", () => {
    const csp = contentSecurityPolicy({
      nonce: "n",
      development: true,
      formTargets: ["https://checkout.stripe.com"],
    });
    expect(csp).toContain("'unsafe-eval'");
    expect(csp).toContain("form-action 'self' https://checkout.stripe.com");
  });
});
