import { createRemoteJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_ISSUER } from "./constants";
import { createLocalIssuer, type LocalIssuer } from "./create-local-issuer";
import {
  CookieJar,
  decode,
  follow,
  loginActionFor,
  management,
  managementToken,
  requestToken,
  signIn,
  EXAMPLE_TENANT,
} from "./testing";

let issuer: LocalIssuer;
// Any loopback port is accepted for the dashboard's callback, so tests can run the app anywhere.
const appBaseUrl = "http://localhost:3999";
const redirectUri = `${appBaseUrl}/auth/callback`;

beforeAll(async () => {
  issuer = await createLocalIssuer({ ...EXAMPLE_TENANT, port: 0, audience: "https://api.tollgate.local/" });
});
afterAll(() => issuer.close());

/** The issuer's /authorize URL for the dashboard application's code flow (openid), with `params`. */
function authorizeUrl(params: Record<string, string> = {}): string {
  const authorize = new URL("authorize", issuer.url);
  authorize.search = new URLSearchParams({
    client_id: LOCAL_ISSUER.dashboard.clientId,
    response_type: "code",
    redirect_uri: redirectUri,
    scope: "openid",
    ...params,
  }).toString();
  return authorize.href;
}

describe("authorization code + PKCE (the dashboard)", () => {
  it("shows an accessible login page listing the demo users", async () => {
    const jar = new CookieJar();
    const authorize = authorizeUrl({
      code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
      code_challenge_method: "S256",
    });
    const page = await follow(jar, issuer.url, authorize);
    expect(page.status).toBe(200);
    const html = page.html ?? "";
    expect(html).toContain('<html lang="en">');
    expect(html).toContain("Log in to Tollgate Dashboard");
    for (const email of ["alice@example.com", "bob@example.com", "carol@example.com"]) {
      expect(loginActionFor(html, email)).toMatch(/^\/interaction\/[\w-]+\/login$/);
    }
    expect(html).toMatch(/<label for="email">Email<\/label>/);
  });

  it("issues Auth0-shaped access and ID tokens for a person", async () => {
    const { status, body, nonce } = await signIn(issuer, {
      email: "alice@example.com",
      redirectUri,
      scope: "openid profile email offline_access get:widgets delete:widgets",
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({ token_type: "Bearer", expires_in: 86_400 });
    expect(typeof body.refresh_token).toBe("string");

    const jwks = createRemoteJWKSet(new URL(".well-known/jwks.json", issuer.url));
    const access = await jwtVerify(body.access_token, jwks, {
      issuer: issuer.url,
      audience: issuer.audience,
    });
    expect(access.protectedHeader).toMatchObject({ alg: "RS256", typ: "JWT", kid: issuer.currentKid() });
    expect(access.payload).toMatchObject({
      iss: issuer.url,
      sub: "auth0|alice",
      aud: [issuer.audience, `${issuer.url}userinfo`],
      azp: LOCAL_ISSUER.dashboard.clientId,
      scope: "openid profile email offline_access get:widgets delete:widgets",
      permissions: ["get:widgets", "create:widgets", "delete:widgets", "render:widgets"],
    });
    expect(access.payload).not.toHaveProperty("gty");

    const idToken = await jwtVerify(String(body.id_token), jwks, {
      issuer: issuer.url,
      audience: LOCAL_ISSUER.dashboard.clientId,
    });
    expect(idToken.payload).toMatchObject({
      sub: "auth0|alice",
      nonce,
      email: "alice@example.com",
      email_verified: true,
      name: "Alice Admin",
      nickname: "alice",
    });
  });

  it("keeps API scopes the user lacks out of scope, as Auth0 RBAC does", async () => {
    const { body } = await signIn(issuer, {
      email: "bob@example.com",
      redirectUri,
      scope: "openid profile get:widgets delete:widgets",
    });
    expect(decode(body.access_token).payload).toMatchObject({
      sub: "auth0|bob",
      scope: "openid profile get:widgets",
      permissions: ["get:widgets", "create:widgets", "render:widgets"],
    });
  });

  it("answers /userinfo for the access token", async () => {
    const { body } = await signIn(issuer, { email: "alice@example.com", redirectUri });
    const response = await fetch(`${issuer.url}userinfo`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      sub: "auth0|alice",
      email: "alice@example.com",
      email_verified: true,
      name: "Alice Admin",
    });
    const anonymous = await fetch(`${issuer.url}userinfo`, { headers: { authorization: "Bearer a.b.c" } });
    expect(anonymous.status).toBe(401);
  });

  it("refreshes the access token for the same audience", async () => {
    const { body } = await signIn(issuer, { email: "alice@example.com", redirectUri });
    const refreshed = await requestToken(issuer, {
      grant_type: "refresh_token",
      refresh_token: String(body.refresh_token),
      client_id: LOCAL_ISSUER.dashboard.clientId,
      client_secret: LOCAL_ISSUER.dashboard.clientSecret,
    });
    expect(refreshed.status).toBe(200);
    expect(decode(String(refreshed.body.access_token)).payload).toMatchObject({
      sub: "auth0|alice",
      aud: [issuer.audience, `${issuer.url}userinfo`],
      permissions: expect.arrayContaining(["get:widgets"]),
    });
  });

  it("signs in silently while the issuer session lasts", async () => {
    const first = await signIn(issuer, { email: "alice@example.com", redirectUri });
    // carol's button does not exist on a page that is never shown: the session signs alice in again.
    const second = await signIn(issuer, { email: "carol@example.com", redirectUri, jar: first.jar });
    expect(decode(second.body.access_token).payload.sub).toBe("auth0|alice");
  });

  it("refuses a redirect URI on another host", async () => {
    const jar = new CookieJar();
    const authorize = authorizeUrl({ redirect_uri: "https://evil.example/auth/callback" });
    const result = await follow(jar, issuer.url, authorize);
    expect(result.location).toBeUndefined();
    expect(result.status).toBe(400);
    expect(result.html).toContain("redirect_uri");
  });

  it("rejects a wrong password on the email form", async () => {
    const jar = new CookieJar();
    const page = await follow(jar, issuer.url, authorizeUrl());
    const action = loginActionFor(page.html ?? "", "alice@example.com");
    const response = await jar.fetch(new URL(action, issuer.url).href, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: "alice@example.com", password: "wrong" }).toString(),
    });
    expect(response.status).toBe(401);
    expect(await response.text()).toContain('role="alert"');
  });
});

describe("logout", () => {
  it("/v2/logout ends the session and redirects to an allowed returnTo", async () => {
    const { jar } = await signIn(issuer, { email: "alice@example.com", redirectUri });
    const logout = new URL("v2/logout", issuer.url);
    logout.search = new URLSearchParams({
      client_id: LOCAL_ISSUER.dashboard.clientId,
      returnTo: appBaseUrl,
    }).toString();
    const response = await jar.fetch(logout.href);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe(appBaseUrl);

    // The next sign-in shows the login page again, so bob can sign in.
    const next = await signIn(issuer, { email: "bob@example.com", redirectUri, jar });
    expect(decode(next.body.access_token).payload.sub).toBe("auth0|bob");
  });

  it("/v2/logout refuses a returnTo that is not an allowed logout URL", async () => {
    const logout = new URL("v2/logout", issuer.url);
    logout.search = new URLSearchParams({
      client_id: LOCAL_ISSUER.dashboard.clientId,
      returnTo: "https://evil.example/",
    }).toString();
    const response = await fetch(logout, { redirect: "manual" });
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
  });

  it("/oidc/logout (RP-initiated logout) redirects to the post_logout_redirect_uri", async () => {
    const { jar, body } = await signIn(issuer, { email: "alice@example.com", redirectUri });
    const logout = new URL("oidc/logout", issuer.url);
    logout.search = new URLSearchParams({
      id_token_hint: String(body.id_token),
      post_logout_redirect_uri: `${appBaseUrl}/`,
    }).toString();
    const page = await jar.fetch(logout.href);
    expect(page.status).toBe(200);
    const html = await page.text();
    const action = /action="([^"]+)"/.exec(html)?.[1] ?? "";
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
    const confirm = await jar.fetch(new URL(action, issuer.url).href, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ xsrf, logout: "yes" }).toString(),
    });
    expect(confirm.status).toBe(303);
    expect(confirm.headers.get("location")).toBe(`${appBaseUrl}/`);
  });
});

describe("a person's token follows the API's settings", () => {
  it("without RBAC: every requested API scope, no permissions; no refresh token without offline access", async () => {
    const mgmt = await managementToken(issuer);
    const identifier = "https://no-rbac.example.test/";
    const created = await management(issuer, mgmt, "POST", "resource-servers", {
      identifier,
      scopes: [{ value: "read:x" }, { value: "write:x" }],
    });
    expect(created.status).toBe(201);
    // Carol holds no role: with RBAC off, Auth0 grants what the application asks for.
    const { status, body } = await signIn(issuer, {
      email: "carol@example.com",
      redirectUri,
      audience: identifier,
      scope: "openid offline_access read:x",
    });
    expect(status).toBe(200);
    expect(body.refresh_token).toBeUndefined();
    const { payload } = decode(body.access_token);
    expect(payload.aud).toEqual([identifier, `${issuer.url}userinfo`]);
    expect(payload.scope).toBe("openid offline_access read:x");
    expect(payload).not.toHaveProperty("permissions");
  });

  it("with RBAC and permissions in the token: only the API's scopes the person's roles hold", async () => {
    const mgmt = await managementToken(issuer);
    const identifier = "https://rbac.example.test/";
    await management(issuer, mgmt, "POST", "resource-servers", {
      identifier,
      scopes: [{ value: "get:widgets" }, { value: "read:other" }],
      enforce_policies: true,
      token_dialect: "access_token_authz",
      allow_offline_access: true,
    });
    const { body } = await signIn(issuer, {
      email: "alice@example.com",
      redirectUri,
      audience: identifier,
      scope: "openid offline_access get:widgets read:other",
    });
    expect(typeof body.refresh_token).toBe("string");
    // Alice's admin role holds every widget permission; this API defines only get:widgets of them.
    expect(decode(body.access_token).payload).toMatchObject({
      scope: "openid offline_access get:widgets",
      permissions: ["get:widgets"],
    });
  });
});
