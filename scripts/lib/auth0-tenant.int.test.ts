/**
 * `npm run setup:auth0` against the local issuer started as an empty tenant: only the Machine to
 * Machine application a person makes by hand, with the Management API scopes docs/deploy.md lists.
 * (The HTTPS path is rehearsed by `npm run test:deploy`; here the issuer is on plain loopback HTTP.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDemoIssuer } from "@/dev/demo-tenant";
import type { LocalIssuer } from "@tollgate/local-auth0";
import type { Auth0Client, Auth0ResourceServer } from "@tollgate/local-auth0";
import { decode, signIn } from "@tollgate/local-auth0/testing";
import {
  APP_SCOPES,
  catalogScopes,
  SETUP_SCOPES,
  setupAuth0Tenant,
  type TenantSetupOptions,
} from "./auth0-tenant";

const M2M = { client_id: "hand-made-m2m", client_secret: "hand-made-m2m-secret" };
const AUDIENCE = "https://api.example.test/";
const APP = "https://tollgate.example.test";

let issuer: LocalIssuer;
let options: TenantSetupOptions;

async function start(scopes: readonly string[]): Promise<LocalIssuer> {
  return createDemoIssuer({
    port: 0,
    emptyTenant: true,
    clients: [
      {
        ...M2M,
        name: "Tollgate setup",
        app_type: "non_interactive",
        grant_types: ["client_credentials"],
        managementScopes: scopes,
      },
    ],
  });
}

beforeAll(async () => {
  issuer = await start([...new Set([...SETUP_SCOPES, ...APP_SCOPES])]);
  options = {
    tenantUrl: issuer.url,
    managementClientId: M2M.client_id,
    managementClientSecret: M2M.client_secret,
    appBaseUrl: APP,
    audience: AUDIENCE,
  };
});
afterAll(async () => {
  await issuer.close();
});

const api = () =>
  [...issuer.state.resourceServers.values()].find((server) => server.identifier === AUDIENCE) as
    Auth0ResourceServer | undefined;
const dashboards = () =>
  [...issuer.state.clients.values()].filter((client) => client.app_type === "regular_web");

describe("setup:auth0", () => {
  it("creates the API and the dashboard application, then finds nothing to change", async () => {
    const first = await setupAuth0Tenant(options);
    expect(first.changes.map((change) => change.action)).toEqual(["created", "created"]);
    expect(first.missingAppScopes).toEqual([]);
    expect(first.dashboard.clientSecret).toBeTruthy();

    expect(api()).toMatchObject({
      name: "Tollgate API",
      scopes: catalogScopes(),
      signing_alg: "RS256",
      enforce_policies: true,
      token_dialect: "access_token_authz",
      allow_offline_access: true,
    });
    expect(catalogScopes().map((scope) => scope.value)).toEqual(
      expect.arrayContaining(["get:widgets", "create:widgets"]),
    );
    const [dashboard] = dashboards();
    expect(dashboards()).toHaveLength(1);
    expect(dashboard).toMatchObject<Partial<Auth0Client>>({
      client_id: first.dashboard.clientId,
      client_secret: first.dashboard.clientSecret,
      callbacks: [`${APP}/auth/callback`],
      allowed_logout_urls: [APP],
      web_origins: [APP],
      grant_types: ["authorization_code", "refresh_token"],
      token_endpoint_auth_method: "client_secret_post",
    });
    // No client grant for the dashboard: people's tokens need none, and it never acts as a machine.
    expect(
      [...issuer.state.clientGrants.values()].filter((grant) => grant.client_id === dashboard?.client_id),
    ).toEqual([]);

    const second = await setupAuth0Tenant(options);
    expect(second.changes.map((change) => change.action)).toEqual(["unchanged", "unchanged"]);
    expect(second.dashboard).toEqual({ clientId: first.dashboard.clientId });
    expect(dashboards()).toHaveLength(1);
  });

  it("lets a person sign in with the created application and get an API token with their permissions", async () => {
    const [dashboard] = dashboards();
    if (!dashboard) throw new Error("no dashboard application");
    const { status, body } = await signIn(issuer, {
      email: "bob@example.com",
      redirectUri: `${APP}/auth/callback`,
      audience: AUDIENCE,
      clientId: dashboard.client_id,
      clientSecret: dashboard.client_secret,
    });
    expect(status).toBe(200);
    expect(typeof body.refresh_token).toBe("string");
    expect(decode(body.access_token).payload).toMatchObject({
      aud: [AUDIENCE, `${issuer.url}userinfo`],
      permissions: ["get:widgets", "create:widgets", "render:widgets", "read:usage"],
    });
  });

  it("adds what is missing and keeps what people added", async () => {
    const server = api();
    const [dashboard] = dashboards();
    if (!server || !dashboard) throw new Error("not set up");
    issuer.state.updateResourceServer(server.id, {
      token_dialect: "access_token",
      scopes: [{ value: "read:mine", description: "Added by hand" }, ...server.scopes.slice(1)],
    });
    issuer.state.updateClient(dashboard.client_id, { callbacks: ["http://localhost:3000/auth/callback"] });

    const moved = await setupAuth0Tenant({ ...options, appBaseUrl: "https://preview.example.test/" });
    expect(moved.changes).toEqual([
      {
        action: "updated",
        what: `API "Tollgate API" (permissions + ${catalogScopes()[0]?.value}, token_dialect)`,
      },
      {
        action: "updated",
        what: 'application "Tollgate Dashboard" (callbacks, allowed_logout_urls, web_origins)',
      },
    ]);
    expect(api()?.token_dialect).toBe("access_token_authz");
    expect(api()?.scopes.map((scope) => scope.value)).toEqual(
      expect.arrayContaining(["read:mine", ...catalogScopes().map((scope) => scope.value)]),
    );
    expect(dashboards()[0]?.callbacks).toEqual([
      "http://localhost:3000/auth/callback",
      "https://preview.example.test/auth/callback",
    ]);
    expect(dashboards()[0]?.web_origins).toEqual([APP, "https://preview.example.test"]);
  });

  it("updates the application named by AUTH0_CLIENT_ID and refuses one that does not exist", async () => {
    const [dashboard] = dashboards();
    const named = await setupAuth0Tenant({
      ...options,
      appBaseUrl: "https://preview.example.test",
      dashboardClientId: dashboard?.client_id,
    });
    expect(named.changes[1]).toEqual({
      action: "unchanged",
      what: `application "Tollgate Dashboard" (${dashboard?.client_id})`,
    });
    await expect(setupAuth0Tenant({ ...options, dashboardClientId: "nope" })).rejects.toThrow(
      "AUTH0_CLIENT_ID=nope is not an application of this tenant",
    );
  });

  it("says which Management API scopes are missing, and which the app will lack", async () => {
    const narrow = await start(["read:clients", "create:clients"]);
    try {
      const base = { ...options, tenantUrl: narrow.url };
      await expect(setupAuth0Tenant(base)).rejects.toThrow(
        "lacks Management API scopes: read:resource_servers, create:resource_servers, update:resource_servers, update:clients",
      );
    } finally {
      await narrow.close();
    }
    const setupOnly = await start(SETUP_SCOPES);
    try {
      const result = await setupAuth0Tenant({ ...options, tenantUrl: setupOnly.url });
      expect(result.missingAppScopes).toEqual(["delete:clients", "create:client_grants", "update:users"]);
    } finally {
      await setupOnly.close();
    }
  });

  it("explains wrong credentials and an application not authorized for the Management API", async () => {
    await expect(setupAuth0Tenant({ ...options, managementClientSecret: "wrong" })).rejects.toThrow(
      "Auth0 does not accept AUTH0_MANAGEMENT_CLIENT_ID=hand-made-m2m with that secret",
    );
    const unauthorized = await start([]);
    try {
      unauthorized.state.clientGrants.clear();
      await expect(setupAuth0Tenant({ ...options, tenantUrl: unauthorized.url })).rejects.toThrow(
        "may not call the Management API",
      );
    } finally {
      await unauthorized.close();
    }
  });
});
