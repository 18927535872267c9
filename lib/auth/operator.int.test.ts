/**
 * Who is an operator, through real boundaries: people's access tokens from the local issuer's
 * authorization code flow, started as `npm run dev` starts it (roles in the claim the app's local
 * configuration reads), checked by the app's own gate configured from the environment.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { LocalIssuer } from "@tollgate/local-auth0";
import { createGrantedClient, managementToken, requestToken, signIn } from "@tollgate/local-auth0/testing";
import { createDemoIssuer } from "@/dev/demo-tenant";
import { LOCAL } from "@/lib/config/local-defaults";
import { resetProcessState } from "@/lib/process-state";

const REDIRECT_URI = "http://localhost:3000/auth/callback";

let issuer: LocalIssuer;
let stranger: LocalIssuer;
let app: {
  operator: typeof import("./operator");
  gate: typeof import("@/lib/api/authenticate-call");
};

beforeAll(async () => {
  [issuer, stranger] = await Promise.all([
    createDemoIssuer({ port: 0, rolesClaim: LOCAL.rolesClaim }),
    createDemoIssuer({ port: 0, rolesClaim: LOCAL.rolesClaim }),
  ]);
  // Local mode as npm run dev runs it: no GATE_ROLES_CLAIM and no ADMIN_ROLE, so both defaults apply.
  vi.stubEnv("AUTH0_ISSUER", issuer.url);
  vi.stubEnv("AUTH0_AUDIENCE", issuer.audience);
  vi.stubEnv("GATE_ROLES_CLAIM", "");
  vi.stubEnv("ADMIN_ROLE", "");
  vi.resetModules();
  resetProcessState();
  app = { operator: await import("./operator"), gate: await import("@/lib/api/authenticate-call") };
});
afterAll(async () => {
  vi.unstubAllEnvs();
  resetProcessState();
  await Promise.all([issuer.close(), stranger.close()]);
});

async function accessTokenOf(email: string, from = issuer): Promise<string> {
  const { status, body } = await signIn(from, { email, redirectUri: REDIRECT_URI });
  expect(status).toBe(200);
  return body.access_token;
}

const isOperator = (token: string, role = "admin") =>
  app.operator.holdsOperatorRole(token, { gate: app.gate.currentGate(), role });

describe("holdsOperatorRole", () => {
  it("admits a person whose token carries the admin role (Alice) and refuses a member (Bob) and a person without roles (Carol)", async () => {
    expect(await isOperator(await accessTokenOf("alice@example.com"))).toBe(true);
    expect(await isOperator(await accessTokenOf("bob@example.com"))).toBe(false);
    expect(await isOperator(await accessTokenOf("carol@example.com"))).toBe(false);
  });

  it("reads the role ADMIN_ROLE names, not a fixed one", async () => {
    expect(await isOperator(await accessTokenOf("bob@example.com"), "member")).toBe(true);
    expect(await isOperator(await accessTokenOf("alice@example.com"), "member")).toBe(false);
  });

  it("refuses an admin's token from another issuer, a machine's token and a token that is not one", async () => {
    expect(await isOperator(await accessTokenOf("alice@example.com", stranger))).toBe(false);
    const { tokenRequest } = await createGrantedClient(issuer, await managementToken(issuer), {
      name: "a machine",
      audience: issuer.audience,
      scope: ["get:widgets"],
    });
    const machine = await requestToken(issuer, tokenRequest);
    expect(typeof machine.body.access_token).toBe("string");
    expect(await isOperator(String(machine.body.access_token))).toBe(false);
    expect(await isOperator("not-a-token")).toBe(false);
  });
});
