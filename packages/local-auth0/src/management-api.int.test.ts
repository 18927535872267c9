import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalIssuer, type LocalIssuer } from "./create-local-issuer";
import type { Auth0Client, Auth0ClientGrant, Auth0ResourceServer } from "./auth0-records";
import {
  createGrantedClient,
  decode,
  management,
  managementToken,
  requestToken,
  EXAMPLE_TENANT,
} from "./testing";

let issuer: LocalIssuer;
let mgmt: string;

beforeAll(async () => {
  issuer = await createLocalIssuer({ ...EXAMPLE_TENANT, port: 0 });
  mgmt = await managementToken(issuer);
});
afterAll(() => issuer.close());

describe("Management API authentication", () => {
  it("answers 401 in Auth0's shape without a token", async () => {
    const { status, body } = await management(issuer, undefined, "GET", "clients");
    expect(status).toBe(401);
    expect(body).toEqual({
      statusCode: 401,
      error: "Unauthorized",
      message: "Missing authentication",
      errorCode: "missing_authentication",
    });
  });

  it("answers 401 for a token signed by another key, even with the right claims", async () => {
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT({ scope: "read:clients" })
      .setProtectedHeader({ alg: "RS256", kid: issuer.currentKid() })
      .setIssuer(issuer.url)
      .setAudience(issuer.managementAudience)
      .setSubject("attacker@clients")
      .setIssuedAt()
      .setExpirationTime("1h")
      .sign(privateKey);
    const { status, body } = await management(issuer, forged, "GET", "clients");
    expect(status).toBe(401);
    expect(body).toMatchObject({ statusCode: 401, error: "Unauthorized", errorCode: "invalid_token" });
    expect((await management(issuer, "not-a-jwt", "GET", "clients")).status).toBe(401);
  });

  it("answers 401 for an issuer token meant for another audience", async () => {
    const { tokenRequest } = await createGrantedClient(issuer, mgmt, {
      name: "API only",
      audience: issuer.audience,
      scope: ["get:widgets"],
    });
    const token = await requestToken(issuer, tokenRequest);
    const { status, body } = await management(issuer, String(token.body.access_token), "GET", "clients");
    expect(status).toBe(401);
    expect(body).toMatchObject({
      message: `Bad audience: ${issuer.managementAudience}`,
      errorCode: "invalid_token",
    });
  });

  it("answers 403 insufficient_scope when the token lacks the endpoint's scope", async () => {
    const { tokenRequest } = await createGrantedClient(issuer, mgmt, {
      name: "Reader",
      audience: issuer.managementAudience,
      scope: ["read:clients"],
    });
    const token = await requestToken(issuer, tokenRequest);
    const readerToken = String(token.body.access_token);
    expect((await management(issuer, readerToken, "GET", "clients")).status).toBe(200);
    const { status, body } = await management(issuer, readerToken, "POST", "clients", { name: "x" });
    expect(status).toBe(403);
    expect(body).toEqual({
      statusCode: 403,
      error: "Forbidden",
      message: "Insufficient scope, expected any of: create:clients",
      errorCode: "insufficient_scope",
    });
    // Without read:client_keys, Auth0 leaves the secret out.
    const list = (await management(issuer, readerToken, "GET", "clients")).body as Auth0Client[];
    expect(list.every((client) => !("client_secret" in client))).toBe(true);
  });
});

describe("Management API clients", () => {
  it("creates, reads, lists, updates and deletes a client", async () => {
    const created = await management(issuer, mgmt, "POST", "clients", {
      name: "Acme",
      app_type: "non_interactive",
      grant_types: ["client_credentials"],
      client_metadata: { customer_id: "cus_1" },
    });
    expect(created.status).toBe(201);
    const client = created.body as Auth0Client;
    expect(client).toMatchObject({
      name: "Acme",
      app_type: "non_interactive",
      grant_types: ["client_credentials"],
      client_metadata: { customer_id: "cus_1" },
      token_endpoint_auth_method: "client_secret_post",
    });
    expect(client.client_id).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(client.client_secret.length).toBeGreaterThanOrEqual(64);
    expect(Number.isNaN(Date.parse(client.created_at))).toBe(false);

    const read = await management(issuer, mgmt, "GET", `clients/${client.client_id}`);
    expect(read).toEqual({ status: 200, body: client });

    const fields = await management(issuer, mgmt, "GET", `clients/${client.client_id}?fields=client_id,name`);
    expect(fields.body).toEqual({ client_id: client.client_id, name: "Acme" });

    const m2m = await management(issuer, mgmt, "GET", "clients?app_type=non_interactive&fields=client_id");
    expect(m2m.body).toEqual(expect.arrayContaining([{ client_id: client.client_id }]));
    const web = (await management(issuer, mgmt, "GET", "clients?app_type=regular_web")).body as Auth0Client[];
    expect(web.map((c) => c.client_id)).toEqual(["tollgate-dashboard"]);

    const paged = await management(issuer, mgmt, "GET", "clients?include_totals=true&per_page=1&page=0");
    expect(paged.body).toMatchObject({ start: 0, limit: 1, length: 1 });
    expect((paged.body as { total: number }).total).toBeGreaterThanOrEqual(3);

    const updated = await management(issuer, mgmt, "PATCH", `clients/${client.client_id}`, {
      client_metadata: { customer_id: "cus_2" },
    });
    expect(updated.body).toMatchObject({ client_metadata: { customer_id: "cus_2" } });

    expect((await management(issuer, mgmt, "DELETE", `clients/${client.client_id}`)).status).toBe(204);
    const gone = await management(issuer, mgmt, "GET", `clients/${client.client_id}`);
    expect(gone).toEqual({
      status: 404,
      body: {
        statusCode: 404,
        error: "Not Found",
        message: "The client does not exist",
        errorCode: "inexistent_client",
      },
    });
  });

  it("rejects an invalid body with 400 invalid_body", async () => {
    const missingName = await management(issuer, mgmt, "POST", "clients", { app_type: "non_interactive" });
    expect(missingName.status).toBe(400);
    expect(missingName.body).toMatchObject({
      statusCode: 400,
      error: "Bad Request",
      errorCode: "invalid_body",
    });
    const extra = await management(issuer, mgmt, "POST", "clients", { name: "x", favourite_colour: "red" });
    expect(extra.status).toBe(400);
  });
});

describe("Management API client grants", () => {
  it("creates, filters, refuses duplicates and deletes grants", async () => {
    const client = (
      await management(issuer, mgmt, "POST", "clients", { name: "G", app_type: "non_interactive" })
    ).body as Auth0Client;
    const created = await management(issuer, mgmt, "POST", "client-grants", {
      client_id: client.client_id,
      audience: issuer.audience,
      scope: ["get:widgets"],
    });
    expect(created.status).toBe(201);
    const grant = created.body as Auth0ClientGrant;
    expect(grant).toEqual({
      id: expect.stringMatching(/^cgr_/),
      client_id: client.client_id,
      audience: issuer.audience,
      scope: ["get:widgets"],
    });

    const duplicate = await management(issuer, mgmt, "POST", "client-grants", {
      client_id: client.client_id,
      audience: issuer.audience,
      scope: [],
    });
    expect(duplicate.status).toBe(409);

    const unknownAudience = await management(issuer, mgmt, "POST", "client-grants", {
      client_id: client.client_id,
      audience: "https://unknown.example/",
      scope: [],
    });
    expect(unknownAudience.body).toMatchObject({ statusCode: 404, errorCode: "inexistent_resource_server" });

    const query = new URLSearchParams({ client_id: client.client_id, audience: issuer.audience });
    expect((await management(issuer, mgmt, "GET", `client-grants?${query}`)).body).toEqual([grant]);
    expect((await management(issuer, mgmt, "DELETE", `client-grants/${grant.id}`)).status).toBe(204);
    expect((await management(issuer, mgmt, "GET", `client-grants?${query}`)).body).toEqual([]);
  });
});

describe("Management API users", () => {
  it("reads a user with Auth0's fields", async () => {
    const { status, body } = await management(
      issuer,
      mgmt,
      "GET",
      `users/${encodeURIComponent("auth0|alice")}`,
    );
    expect(status).toBe(200);
    expect(body).toMatchObject({
      user_id: "auth0|alice",
      email: "alice@example.com",
      email_verified: true,
      app_metadata: {},
      identities: [{ provider: "auth0", user_id: "alice", connection: "Username-Password-Authentication" }],
    });
  });

  it("merges app_metadata at the top level and deletes keys set to null", async () => {
    const path = `users/${encodeURIComponent("auth0|bob")}`;
    await management(issuer, mgmt, "PATCH", path, {
      app_metadata: { stripe_customer_id: "cus_9", plan: "free" },
    });
    const { status, body } = await management(issuer, mgmt, "PATCH", path, {
      app_metadata: { plan: null, tier: { level: 2 } },
    });
    expect(status).toBe(200);
    expect((body as { app_metadata: unknown }).app_metadata).toEqual({
      stripe_customer_id: "cus_9",
      tier: { level: 2 },
    });
    expect(
      ((await management(issuer, mgmt, "GET", path)).body as { app_metadata: unknown }).app_metadata,
    ).toEqual({
      stripe_customer_id: "cus_9",
      tier: { level: 2 },
    });
  });

  it("answers 404 inexistent_user for an unknown user", async () => {
    const { status, body } = await management(issuer, mgmt, "GET", "users/auth0%7Cnobody");
    expect(status).toBe(404);
    expect(body).toMatchObject({ errorCode: "inexistent_user" });
  });
});

describe("Management API resource servers (APIs)", () => {
  it("lists the Management API as a system API, and the demo API", async () => {
    const { status, body } = await management(issuer, mgmt, "GET", "resource-servers");
    expect(status).toBe(200);
    const servers = body as Auth0ResourceServer[];
    expect(servers.find((server) => server.identifier === issuer.managementAudience)).toMatchObject({
      name: "Auth0 Management API",
      is_system: true,
    });
    expect(servers.find((server) => server.identifier === issuer.audience)).toMatchObject({
      is_system: false,
      enforce_policies: true,
      token_dialect: "access_token_authz",
      signing_alg: "RS256",
    });
  });

  it("creates an API with Auth0's defaults, reads it by id or identifier, filters and pages", async () => {
    const identifier = "https://defaults.example.test/";
    const created = await management(issuer, mgmt, "POST", "resource-servers", { identifier });
    expect(created.status).toBe(201);
    const server = created.body as Auth0ResourceServer;
    expect(server).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      name: identifier,
      identifier,
      is_system: false,
      scopes: [],
      signing_alg: "RS256",
      allow_offline_access: false,
      skip_consent_for_verifiable_first_party_clients: true,
      token_lifetime: 86_400,
      token_lifetime_for_web: 7_200,
      enforce_policies: false,
      token_dialect: "access_token",
    });
    expect(await management(issuer, mgmt, "GET", `resource-servers/${server.id}`)).toEqual({
      status: 200,
      body: server,
    });
    const byIdentifier = await management(
      issuer,
      mgmt,
      "GET",
      `resource-servers/${encodeURIComponent(identifier)}`,
    );
    expect(byIdentifier.body).toEqual(server);
    const fields = await management(issuer, mgmt, "GET", `resource-servers/${server.id}?fields=id,scopes`);
    expect(fields.body).toEqual({ id: server.id, scopes: [] });

    const filter = new URLSearchParams([
      ["identifiers", identifier],
      ["identifiers", issuer.audience],
    ]);
    const filtered = (await management(issuer, mgmt, "GET", `resource-servers?${filter}`))
      .body as Auth0ResourceServer[];
    expect(filtered.map((item) => item.identifier).sort()).toEqual([identifier, issuer.audience].sort());
    const paged = await management(issuer, mgmt, "GET", "resource-servers?include_totals=true&per_page=1");
    expect(paged.body).toMatchObject({ start: 0, limit: 1, length: 1 });
    expect((paged.body as { resource_servers: unknown[] }).resource_servers).toHaveLength(1);
  });

  it("refuses a second API with the same identifier with 409", async () => {
    const { status, body } = await management(issuer, mgmt, "POST", "resource-servers", {
      identifier: issuer.audience,
    });
    expect(status).toBe(409);
    expect(body).toEqual({
      statusCode: 409,
      error: "Conflict",
      message: "A resource server with the same identifier already exists",
      errorCode: "resource_server_conflict",
    });
  });

  it("updates settings and permissions, never the identifier, and leaves the system API alone", async () => {
    const identifier = "https://patched.example.test/";
    const server = (
      await management(issuer, mgmt, "POST", "resource-servers", { identifier, name: "Before" })
    ).body as Auth0ResourceServer;
    const patched = await management(issuer, mgmt, "PATCH", `resource-servers/${server.id}`, {
      name: "After",
      scopes: [{ value: "read:things" }, { value: "write:things", description: "Write things" }],
      enforce_policies: true,
      token_dialect: "access_token_authz",
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      id: server.id,
      identifier,
      name: "After",
      scopes: [
        { value: "read:things", description: "" },
        { value: "write:things", description: "Write things" },
      ],
      enforce_policies: true,
      token_dialect: "access_token_authz",
      allow_offline_access: false,
    });

    const identifierChange = await management(issuer, mgmt, "PATCH", `resource-servers/${server.id}`, {
      identifier: "https://elsewhere.example.test/",
    });
    expect(identifierChange.status).toBe(400);
    expect(identifierChange.body).toMatchObject({ errorCode: "invalid_body" });

    const system = await management(
      issuer,
      mgmt,
      "PATCH",
      `resource-servers/${encodeURIComponent(issuer.managementAudience)}`,
      { name: "Mine now" },
    );
    expect(system.status).toBe(400);
    expect(system.body).toMatchObject({ errorCode: "operation_not_supported" });

    const missing = await management(issuer, mgmt, "PATCH", "resource-servers/nope", { name: "x" });
    expect(missing).toEqual({
      status: 404,
      body: {
        statusCode: 404,
        error: "Not Found",
        message: "The resource server does not exist",
        errorCode: "inexistent_resource_server",
      },
    });
  });

  it("validates the body as Auth0 does", async () => {
    for (const body of [
      {},
      { identifier: "https://bad.example.test/", signing_alg: "HS256" },
      { identifier: "https://bad.example.test/", token_dialect: "rfc9068_profile_authz" },
      { identifier: "https://bad.example.test/", name: "<script>" },
      { identifier: "https://bad.example.test/", scopes: ["read:x"] },
    ]) {
      const { status, body: answer } = await management(issuer, mgmt, "POST", "resource-servers", body);
      expect(status, JSON.stringify(body)).toBe(400);
      expect(answer).toMatchObject({ statusCode: 400, errorCode: "invalid_body" });
    }
  });

  it("deletes an API with its client grants", async () => {
    const identifier = "https://deleted.example.test/";
    const server = (
      await management(issuer, mgmt, "POST", "resource-servers", {
        identifier,
        scopes: [{ value: "read:x", description: "Read" }],
      })
    ).body as Auth0ResourceServer;
    const { client, tokenRequest } = await createGrantedClient(issuer, mgmt, {
      name: "D",
      audience: identifier,
      scope: ["read:x"],
    });
    expect((await management(issuer, mgmt, "DELETE", `resource-servers/${server.id}`)).status).toBe(204);
    const grants = await management(issuer, mgmt, "GET", `client-grants?client_id=${client.client_id}`);
    expect(grants.body).toEqual([]);
    const token = await requestToken(issuer, tokenRequest);
    expect(token).toEqual({
      status: 403,
      body: { error: "access_denied", error_description: `Service not found: ${identifier}` },
    });
  });

  it("needs the resource server scopes", async () => {
    const { tokenRequest } = await createGrantedClient(issuer, mgmt, {
      name: "Clients only",
      audience: issuer.managementAudience,
      scope: ["read:clients"],
    });
    const token = await requestToken(issuer, tokenRequest);
    const { status, body } = await management(
      issuer,
      String(token.body.access_token),
      "GET",
      "resource-servers",
    );
    expect(status).toBe(403);
    expect(body).toMatchObject({ message: "Insufficient scope, expected any of: read:resource_servers" });
  });
});

describe("tokens follow the API's settings", () => {
  async function machineToken(settings: Record<string, unknown>) {
    const identifier = `https://settings-${Math.random().toString(36).slice(2)}.example.test/`;
    await management(issuer, mgmt, "POST", "resource-servers", {
      identifier,
      scopes: [{ value: "read:x", description: "Read" }],
      ...settings,
    });
    const { tokenRequest } = await createGrantedClient(issuer, mgmt, {
      name: "M",
      audience: identifier,
      scope: ["read:x"],
    });
    const { status, body } = await requestToken(issuer, tokenRequest);
    expect(status).toBe(200);
    return { body, payload: decode(String(body.access_token)).payload };
  }

  it("adds permissions only with the access_token_authz dialect", async () => {
    const plain = await machineToken({});
    expect(plain.payload).toMatchObject({ scope: "read:x" });
    expect(plain.payload).not.toHaveProperty("permissions");
    const authz = await machineToken({ enforce_policies: true, token_dialect: "access_token_authz" });
    expect(authz.payload).toMatchObject({ scope: "read:x", permissions: ["read:x"] });
  });

  it("uses the API's token lifetime", async () => {
    const { body, payload } = await machineToken({ token_lifetime: 600 });
    expect(body.expires_in).toBe(600);
    expect(payload.exp).toBe((payload.iat ?? 0) + 600);
  });

  it("changes a client grant's scopes with PATCH; client and audience stay", async () => {
    const { grant, tokenRequest } = await createGrantedClient(issuer, mgmt, {
      name: "P",
      audience: issuer.audience,
      scope: ["get:widgets"],
    });
    const patched = await management(issuer, mgmt, "PATCH", `client-grants/${grant.id}`, {
      scope: ["get:widgets", "create:widgets"],
    });
    expect(patched).toEqual({ status: 200, body: { ...grant, scope: ["get:widgets", "create:widgets"] } });
    const moved = await management(issuer, mgmt, "PATCH", `client-grants/${grant.id}`, {
      audience: issuer.managementAudience,
    });
    expect(moved.status).toBe(400);
    const missing = await management(issuer, mgmt, "PATCH", "client-grants/cgr_nope", { scope: [] });
    expect(missing.body).toMatchObject({ statusCode: 404, errorCode: "inexistent_client_grant" });
    const token = await requestToken(issuer, tokenRequest);
    expect(token.body.scope).toBe("get:widgets create:widgets");
  });
});
