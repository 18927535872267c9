/**
 * The operator's pages refuse everyone else at the proxy, with a rewrite to a path no page has (Next's
 * 404), because the dashboard's loading UI streams a 200 before a page's own check could refuse. The
 * real proxy, with sessions encrypted as the Auth0 SDK encrypts them at sign-in, holding access tokens
 * from the local issuer's authorization code flow (roles in the claim local mode reads).
 */
import { generateSessionCookie } from "@auth0/nextjs-auth0/testing";
import type { LocalIssuer } from "@tollgate/local-auth0";
import { signIn } from "@tollgate/local-auth0/testing";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createDemoIssuer } from "@/dev/demo-tenant";
import { LOCAL } from "@/lib/config/local-defaults";
import { resetProcessState } from "@/lib/process-state";

const APP_URL = "http://localhost:3000";

let issuer: LocalIssuer;
let proxy: typeof import("@/proxy").proxy;
let sessionCookieName: string;

beforeAll(async () => {
  issuer = await createDemoIssuer({ port: 0, rolesClaim: LOCAL.rolesClaim });
  // Local mode as npm run dev runs it: no GATE_ROLES_CLAIM and no ADMIN_ROLE, so both defaults apply.
  vi.stubEnv("AUTH0_ISSUER", issuer.url);
  vi.stubEnv("AUTH0_AUDIENCE", issuer.audience);
  vi.stubEnv("APP_BASE_URL", APP_URL);
  vi.stubEnv("GATE_ROLES_CLAIM", "");
  vi.stubEnv("ADMIN_ROLE", "");
  vi.resetModules();
  resetProcessState();
  proxy = (await import("@/proxy")).proxy;
  const { cookieNamesFor } = await import("@/lib/auth/auth0");
  sessionCookieName = cookieNamesFor(APP_URL).session?.cookie.name ?? "__session";
});
afterAll(async () => {
  vi.unstubAllEnvs();
  resetProcessState();
  await issuer.close();
});

/** A dashboard request from a person signed in at the local issuer, as their browser sends it. */
async function pageRequestOf(email: string, path: string): Promise<NextRequest> {
  const { status, body } = await signIn(issuer, { email, redirectUri: `${APP_URL}/auth/callback` });
  expect(status).toBe(200);
  const cookie = await generateSessionCookie(
    {
      user: { sub: email, email },
      tokenSet: { accessToken: body.access_token, expiresAt: Math.floor(Date.now() / 1000) + 3600 },
    },
    { secret: LOCAL.sessionSecret },
  );
  return new NextRequest(`${APP_URL}${path}`, { headers: { cookie: `${sessionCookieName}=${cookie}` } });
}

const OPERATOR_PAGES = ["/dashboard/admin", "/dashboard/admin/reconciliation"];

describe("the proxy on the operator's pages", () => {
  it.each(OPERATOR_PAGES)(
    "answers %s with the not-found page to a member (Bob) and to Carol",
    async (path) => {
      for (const email of ["bob@example.com", "carol@example.com"]) {
        const response = await proxy(await pageRequestOf(email, path));
        expect(response.headers.get("x-middleware-rewrite")).toBe(`${APP_URL}/_operators-only`);
        expect(response.headers.get("x-middleware-next")).toBeNull();
        // The not-found page renders under the same CSP as any page.
        expect(response.headers.get("content-security-policy")).toMatch(/nonce-/);
      }
    },
  );

  it.each(OPERATOR_PAGES)(
    "lets %s through to the page for an operator (Alice), whose page checks again",
    async (path) => {
      const response = await proxy(await pageRequestOf("alice@example.com", path));
      expect(response.headers.get("x-middleware-next")).toBe("1");
      expect(response.headers.get("x-middleware-rewrite")).toBeNull();
    },
  );

  it("leaves the rest of the dashboard to everyone signed in", async () => {
    for (const path of ["/dashboard", "/dashboard/api", "/dashboard/administration"]) {
      const response = await proxy(await pageRequestOf("bob@example.com", path));
      expect(response.headers.get("x-middleware-next")).toBe("1");
    }
  });

  it("still sends a signed-out visitor to sign in first", async () => {
    const response = await proxy(new NextRequest(`${APP_URL}/dashboard/admin`));
    expect(response.status).toBe(307);
    expect(response.headers.get("location")).toMatch(/\/auth\/login\?returnTo=%2Fdashboard%2Fadmin$/);
  });
});
