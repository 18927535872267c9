/**
 * The app's Auth0 client names its cookies per port on a loopback address, so two checkouts side by
 * side (`npm run dev` and `PORT=3100 npm run dev`) keep separate sessions: the sign-in transaction
 * each starts against a real local issuer is stored under its own port's cookie.
 */
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { LocalIssuer } from "@tollgate/local-auth0";
import { createDemoIssuer } from "@/dev/demo-tenant";
import { resetProcessState } from "@/lib/process-state";
import { cookieNamesFor } from "./auth0";

let issuer: LocalIssuer;

beforeAll(async () => {
  issuer = await createDemoIssuer({ port: 0 });
});
afterAll(async () => {
  vi.unstubAllEnvs();
  resetProcessState();
  await issuer.close();
});

async function startSignIn(port: number): Promise<string[]> {
  vi.stubEnv("TOLLGATE_LOCAL_ISSUER_URL", issuer.url);
  vi.stubEnv("PORT", String(port));
  vi.resetModules();
  resetProcessState();
  const { getAuth0 } = await import("./auth0");
  const response = await getAuth0().middleware(new NextRequest(`http://localhost:${port}/auth/login`));
  expect(response.headers.get("location")).toMatch(new RegExp(`^${issuer.url}authorize\\?`));
  return response.headers.getSetCookie().map((cookie) => cookie.slice(0, cookie.indexOf("=")));
}

describe("the Auth0 client's cookies", () => {
  it("carry the port on loopback, so two local checkouts keep their own sign-in state", async () => {
    const first = await startSignIn(3000);
    const second = await startSignIn(3100);
    expect(first).toEqual([expect.stringMatching(/^__txn_3000_./)]);
    expect(second).toEqual([expect.stringMatching(/^__txn_3100_./)]);
  });

  it("keep the SDK's names on any other host", () => {
    expect(cookieNamesFor("https://api.example.com")).toEqual({});
    expect(cookieNamesFor("http://127.0.0.1:3100").session).toEqual({ cookie: { name: "__session_3100" } });
  });
});
