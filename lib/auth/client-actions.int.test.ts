/**
 * What a signed-in person may do with machine clients, through real boundaries: people's access tokens
 * from the local issuer's authorization code flow (with a roles claim, as an Auth0 Action adds it), the
 * app's own gate configured from the environment (GATE_ROLES_CLAIM, GATE_REQUIRED_ROLES), the issuer's
 * Management API over HTTP, and a real database (PGlite, or PostgreSQL with DATABASE_URL).
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { LOCAL_ISSUER } from "@tollgate/local-auth0";
import { createDemoIssuer } from "@/dev/demo-tenant";
import type { LocalIssuer } from "@tollgate/local-auth0";
import { requestToken, signIn } from "@tollgate/local-auth0/testing";
import type { Database } from "@/lib/db";
import { rateLimitersKey } from "@/lib/metering/rate-limit";
import { resetProcessState } from "@/lib/process-state";
import { createMigratedDatabase, TEST_BACKEND, type TestDatabase } from "@/test/database";
import { setAppDatabase } from "@/test/process-state";
import { createManagementApi, type ManagementApi } from "./management";

const ROLES_CLAIM = "https://tollgate.test/roles";
const REDIRECT_URI = "http://localhost:3000/auth/callback";

let issuer: LocalIssuer;
let database: TestDatabase & { db: Database };
let management: ManagementApi;
let app: {
  clientActions: typeof import("./client-actions");
  apiAccess: typeof import("./api-access");
  apiKeys: typeof import("./api-keys");
  gate: typeof import("@/lib/api/authenticate-call");
};

beforeAll(async () => {
  [issuer, database] = await Promise.all([
    createDemoIssuer({ port: 0, rolesClaim: ROLES_CLAIM }),
    createMigratedDatabase(),
  ]);
  management = createManagementApi({
    tenantUrl: issuer.url,
    clientId: LOCAL_ISSUER.managementClientId,
    clientSecret: LOCAL_ISSUER.managementClientSecret,
  });
  // The app as a process configured for this tenant loads it: the API requires the admin role.
  vi.stubEnv("AUTH0_ISSUER", issuer.url);
  vi.stubEnv("AUTH0_AUDIENCE", issuer.audience);
  vi.stubEnv("GATE_ROLES_CLAIM", ROLES_CLAIM);
  vi.stubEnv("GATE_REQUIRED_ROLES", "admin");
  vi.resetModules();
  resetProcessState();
  setAppDatabase(database.db);
  app = {
    clientActions: await import("./client-actions"),
    apiAccess: await import("./api-access"),
    apiKeys: await import("./api-keys"),
    gate: await import("@/lib/api/authenticate-call"),
  };
});
afterAll(async () => {
  vi.unstubAllEnvs();
  resetProcessState();
  await Promise.all([issuer.close(), database.destroy()]);
});

/** A person's API access token, from signing in on the issuer as the dashboard does. */
async function accessTokenOf(email: string): Promise<string> {
  const { status, body } = await signIn(issuer, { email, redirectUri: REDIRECT_URI });
  expect(status).toBe(200);
  return body.access_token;
}

const newCustomer = async () =>
  (await database.db.customer.create({ data: { email: `${randomUUID()}@example.com` } })).id;
const deps = () => ({ db: database.db, management });
const clientCreations = () =>
  issuer
    .managementRequests()
    .filter((request) => request.method === "POST" && request.path === "/api/v2/clients").length;
const REQUEST = { name: "my server", scopes: ["get:widgets", "create:widgets"] };

describe("GATE_REQUIRED_ROLES in the dashboard", () => {
  it("refuses a person without the role a machine client, and their own token, as the API refuses them", async () => {
    const bob = await accessTokenOf("bob@example.com"); // role "member" only
    const customerId = await newCustomer();
    const creations = clientCreations();

    // The API refuses Bob himself...
    await expect(app.gate.currentGate().verify(bob)).rejects.toMatchObject({ code: "ERR_ROLE_REQUIRED" });
    // ...so the dashboard gives him no client to call it with instead, and does not reveal his token.
    const attempt = app.clientActions.createClientAsPerson({ customerId, accessToken: bob }, REQUEST, deps());
    await expect(attempt).rejects.toMatchObject({
      code: "ERR_ROLE_REQUIRED",
      message: expect.stringContaining("requires the role admin"),
    });
    await expect(app.apiAccess.checkApiAccess(bob)).rejects.toMatchObject({ code: "ERR_ROLE_REQUIRED" });
    expect(clientCreations()).toBe(creations);
    expect(await database.db.apiClient.count({ where: { customerId } })).toBe(0);
  });

  it("lets a person with the role create a client, whose tokens the API accepts without roles", async () => {
    const alice = await accessTokenOf("alice@example.com"); // role "admin"
    const customerId = await newCustomer();
    const { client, clientSecret } = await app.clientActions.createClientAsPerson(
      { customerId, accessToken: alice },
      REQUEST,
      deps(),
    );
    await expect(app.apiAccess.checkApiAccess(alice)).resolves.toMatchObject({ roles: ["admin"] });
    // A client-credentials token carries no roles and the gate does not ask machines for them: the
    // client holds its creator's access, which is why its creator must hold the role.
    const { body } = await requestToken(issuer, {
      grant_type: "client_credentials",
      client_id: client.clientId,
      client_secret: clientSecret,
      audience: issuer.audience,
    });
    const machine = await app.gate.currentGate().verify(String(body.access_token));
    expect(machine).toMatchObject({ kind: "machine", roles: [] });
  });

  it("refuses a person without the role an API key, and lets one with it make a key", async () => {
    const [bob, alice] = await Promise.all([
      accessTokenOf("bob@example.com"),
      accessTokenOf("alice@example.com"),
    ]);
    const customerId = await newCustomer();
    const request = { name: "worker", scopes: ["get:widgets"] };
    await expect(
      app.apiKeys.createApiKeyAsPerson({ customerId, accessToken: bob }, request, { db: database.db }),
    ).rejects.toMatchObject({ code: "ERR_ROLE_REQUIRED" });
    expect(await database.db.apiKey.count({ where: { customerId } })).toBe(0);
    const { key } = await app.apiKeys.createApiKeyAsPerson({ customerId, accessToken: alice }, request, {
      db: database.db,
    });
    // A key carries no roles and the gate asks machines for none: its creator must hold the role.
    expect(key).toMatch(/^tg_test_/);
    expect(await database.db.apiKey.count({ where: { customerId } })).toBe(1);
  });

  it("refuses a token that is not a valid API token for this audience", async () => {
    await expect(app.apiAccess.checkApiAccess("not-a-token")).rejects.toMatchObject({
      code: "ERR_API_TOKEN_UNAVAILABLE",
    });
  });
});

describe("machine-client changes per customer", () => {
  it("refuses the 11th create in an hour of a create-and-revoke loop, before any Auth0 call", async () => {
    const alice = await accessTokenOf("alice@example.com");
    const customerId = await newCustomer();
    const creations = clientCreations();
    const { points } = app.clientActions.CLIENT_CHANGES_POLICY;
    for (let cycle = 0; cycle < points; cycle++) {
      // Halfway, another instance takes over: the count is shared (PostgreSQL here; Redis when set).
      if (cycle === points / 2 && TEST_BACKEND === "postgres") resetProcessState(rateLimitersKey);
      const { client } = await app.clientActions.createClientAsPerson(
        { customerId, accessToken: alice },
        REQUEST,
        deps(),
      );
      await app.clientActions.revokeClientAsPerson(customerId, client.id, deps());
    }
    const refused = app.clientActions.createClientAsPerson(
      { customerId, accessToken: alice },
      REQUEST,
      deps(),
    );
    await expect(refused).rejects.toMatchObject({
      code: "ERR_RATE_LIMITED",
      retryAfterSeconds: expect.any(Number),
      message: expect.stringMatching(/Try again in \d+ (s|min)\.$/),
    });
    expect(clientCreations() - creations).toBe(points);
    expect(await database.db.apiClient.count({ where: { customerId, revokedAt: null } })).toBe(0);
  });

  it("always revokes an active client, and limits repeated revocations of a revoked one", async () => {
    const alice = await accessTokenOf("alice@example.com");
    const customerId = await newCustomer();
    const made = [];
    for (let index = 0; index < app.clientActions.CLIENT_CHANGES_POLICY.points; index++) {
      made.push(
        (await app.clientActions.createClientAsPerson({ customerId, accessToken: alice }, REQUEST, deps()))
          .client,
      );
    }
    // The hour's budget is spent; revoking a (say, leaked) client still works, every one of them.
    for (const client of made) {
      await expect(
        app.clientActions.revokeClientAsPerson(customerId, client.id, deps()),
      ).resolves.toMatchObject({
        id: client.id,
        revokedAt: expect.any(Date),
      });
      expect(issuer.state.clients.has(client.clientId)).toBe(false);
    }
    const deletes = issuer.managementRequests().filter((request) => request.method === "DELETE").length;
    await expect(
      app.clientActions.revokeClientAsPerson(customerId, made[0]?.id ?? "", deps()),
    ).rejects.toMatchObject({ code: "ERR_RATE_LIMITED" });
    expect(issuer.managementRequests().filter((request) => request.method === "DELETE").length).toBe(deletes);
  });
});
