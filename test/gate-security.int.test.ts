/**
 * Security tests of the whole gate: the real proxy (proxy.ts → lib/api/admit-request.ts → lib/gate)
 * against a real JWKS endpoint on loopback, then the real route handlers on a real database. Every
 * attack asserts its status, WWW-Authenticate challenge and problem type, and that no 2xx comes back.
 */
import { exportSPKI, SignJWT, type JWTPayload } from "jose";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createTestKey,
  signTestToken,
  startJwksTestServer,
  type JwksTestServer,
  type TestKey,
} from "@/lib/gate/jwks-test-server";
import {
  callApi,
  loadApp,
  routeOf,
  startTestEnvironment,
  TEST_BASE_URL,
  type TestEnvironment,
} from "./app-harness";
import { givePlan } from "./fixtures";
import type { TestIssuer } from "./test-issuer";

const CLIENT_ID = "machine-client-1";

let env: TestEnvironment;
let issuer: TestIssuer;
let jkuServer: JwksTestServer;
let key: TestKey;
let otherKey: TestKey;
let modules: Awaited<ReturnType<typeof loadGateApp>>;

/** The app with a fresh gate and fresh rate limits (new process state), and its proxy. */
async function loadGateApp() {
  const app = await loadApp();
  return { ...app, proxy: (await import("@/proxy")).proxy };
}

beforeAll(async () => {
  [env, otherKey] = await Promise.all([startTestEnvironment("key-1"), createTestKey("key-2")]);
  issuer = env.issuer;
  key = issuer.key;
  jkuServer = await startJwksTestServer([otherKey]);
  const customer = await env.db.customer.create({ data: { email: "machine-owner@example.com" } });
  // More calls than Free allows per second: these tests are about the gate, not the plan.
  await givePlan(env.db, customer.id, "scale");
  await env.db.apiClient.create({
    data: { clientId: CLIENT_ID, customerId: customer.id, name: "CI", scopes: ["get:widgets"] },
  });

  vi.stubEnv("GATE_JWKS_COOLDOWN_SECONDS", "60");
  vi.stubEnv("GATE_JWKS_REFRESH_SECONDS", "900");
  modules = await loadGateApp();
});

afterAll(async () => {
  await Promise.all([env?.close(), jkuServer?.close()]);
});

const now = () => Math.floor(Date.now() / 1000);

/** A machine token's claims, issued ten seconds ago, with `extra` added or replacing them. */
function claims(extra: JWTPayload = {}): JWTPayload {
  return { ...issuer.machineClaims(CLIENT_ID, { scope: "get:widgets" }), iat: now() - 10, ...extra };
}

const b64 = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

interface Call {
  method?: string;
  path?: string;
  token?: string;
  headers?: Record<string, string>;
}

/** Sends a request through the proxy and, when admitted, to the route handler, like Next does. */
const call = ({ method = "GET", path = "/api/v1/widgets", token, headers }: Call): Promise<Response> =>
  callApi(modules, token, method, path, { headers });

async function expectRefused(
  response: Response,
  expected: { status: number; type: string; challenge?: RegExp | null },
): Promise<Record<string, unknown>> {
  expect(response.status).toBe(expected.status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const body = (await response.json()) as Record<string, unknown>;
  expect(body.type).toBe(`https://tollgate.dev/problems/${expected.type}`);
  expect(body.status).toBe(expected.status);
  expect(typeof body.request_id).toBe("string");
  if (expected.challenge === null) expect(response.headers.get("www-authenticate")).toBeNull();
  else if (expected.challenge) expect(response.headers.get("www-authenticate")).toMatch(expected.challenge);
  return body;
}

const INVALID_TOKEN = {
  status: 401,
  type: "invalid-token",
  challenge: /^Bearer realm="api", error="invalid_token"/,
};

describe("the gate admits", () => {
  it("a valid machine token with the operation's scope, through to the handler", async () => {
    const response = await call({ token: await signTestToken(key, claims()) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: [], next_cursor: null });
  });

  it("an aud array that includes our audience", async () => {
    const token = await signTestToken(key, claims({ aud: [issuer.audience, `${issuer.issuer}userinfo`] }));
    expect((await call({ token })).status).toBe(200);
  });

  it("scopes granted through Auth0 RBAC permissions", async () => {
    const token = await signTestToken(key, claims({ scope: undefined, permissions: ["get:widgets"] }));
    expect((await call({ token })).status).toBe(200);
  });
});

describe("the gate refuses", () => {
  it("a request without a token, with a challenge that has no error code", async () => {
    await expectRefused(await call({}), {
      status: 401,
      type: "invalid-token",
      challenge: /^Bearer realm="api"$/,
    });
  });

  it.each([
    ["two parts", () => `${b64({ alg: "RS256", kid: "key-1" })}.${b64(claims())}`],
    ["bad base64", () => `${b64({ alg: "RS256", kid: "key-1" })}.%%%%.abc`],
    ["a non-JSON payload", () => `${b64({ alg: "RS256", kid: "key-1" })}.${b64("not json")}.c2ln`],
    ["a non-object payload", () => `${b64({ alg: "RS256", kid: "key-1" })}.${b64("42")}.c2ln`],
  ])("a malformed token: %s", async (_name, make) => {
    await expectRefused(await call({ token: make() }), INVALID_TOKEN);
  });

  it("alg none", async () => {
    const token = `${b64({ alg: "none", typ: "JWT" })}.${b64(claims())}.`;
    await expectRefused(await call({ token }), INVALID_TOKEN);
  });

  it("HS256 signed with the RSA public key as the secret", async () => {
    const secret = new TextEncoder().encode(await exportSPKI(key.publicKey));
    const token = await new SignJWT(claims()).setProtectedHeader({ alg: "HS256", kid: "key-1" }).sign(secret);
    await expectRefused(await call({ token }), INVALID_TOKEN);
  });

  it("an unknown kid", async () => {
    await expectRefused(
      await call({ token: await signTestToken(otherKey, claims(), { kid: "nope" }) }),
      INVALID_TOKEN,
    );
  });

  it("a known kid with a bad signature", async () => {
    const token = await signTestToken(otherKey, claims(), { kid: "key-1" });
    await expectRefused(await call({ token }), INVALID_TOKEN);
  });

  it.each([
    ["expired", { exp: now() - 60 }],
    ["without exp", { exp: undefined }],
    ["not yet valid (nbf)", { nbf: now() + 600 }],
    ["from another issuer", { iss: "https://evil.example.com/" }],
    ["with the issuer missing its trailing slash", { iss: "" }],
    ["for another audience", { aud: "https://other-api.example.com/" }],
  ])("a token %s", async (_name, extra) => {
    const patch = { ...extra } as JWTPayload;
    if (patch.iss === "") patch.iss = issuer.issuer.replace(/\/$/, "");
    await expectRefused(await call({ token: await signTestToken(key, claims(patch)) }), INVALID_TOKEN);
  });

  it("a token without the operation's scope: 403 insufficient_scope naming it", async () => {
    const token = await signTestToken(key, claims({ scope: "create:widgets" }));
    const body = await expectRefused(await call({ token }), {
      status: 403,
      type: "insufficient-scope",
      challenge: /error="insufficient_scope".*scope="get:widgets"/,
    });
    expect(body.required_scopes).toEqual(["get:widgets"]);
  });

  it("a scope present only in an unrelated claim", async () => {
    const token = await signTestToken(
      key,
      claims({ scope: "", scp: ["get:widgets"], "https://x.example/scopes": "get:widgets" }),
    );
    await expectRefused(await call({ token }), {
      status: 403,
      type: "insufficient-scope",
      challenge: /insufficient_scope/,
    });
  });

  it("a token in the query string, even a valid one", async () => {
    const token = await signTestToken(key, claims());
    await expectRefused(await call({ path: `/api/v1/widgets?access_token=${token}` }), {
      status: 400,
      type: "invalid-request",
      challenge: /error="invalid_request"/,
    });
  });

  it("tokens carrying their own key (jwk, jku, x5u) without fetching anything", async () => {
    const before = { issuer: issuer.requests, jku: jkuServer.requests };
    const jwk = otherKey.publicJwk;
    for (const header of [{ jwk }, { jku: jkuServer.jwksUri }, { x5u: `${jkuServer.issuer}cert.pem` }]) {
      const token = await signTestToken(otherKey, claims(), { kid: "key-2", ...header });
      await expectRefused(await call({ token }), INVALID_TOKEN);
    }
    expect(jkuServer.requests).toBe(before.jku);
    expect(issuer.requests).toBe(before.issuer);
  });

  it("an unknown crit header", async () => {
    const token = await signTestToken(
      key,
      claims(),
      { crit: ["x-custom"], "x-custom": true },
      { "x-custom": true },
    );
    await expectRefused(await call({ token }), INVALID_TOKEN);
  });

  it("a 64 KB token, before any key lookup", async () => {
    const before = issuer.requests;
    const token = await signTestToken(key, claims({ padding: "x".repeat(64 * 1024) }));
    await expectRefused(await call({ token }), INVALID_TOKEN);
    expect(issuer.requests).toBe(before);
  });

  it("an ID token sent as an access token", async () => {
    const token = await signTestToken(
      key,
      claims({ aud: "dashboard-client-id", nonce: "n-0S6_WzA2Mj", gty: undefined, sub: "auth0|ada" }),
    );
    await expectRefused(await call({ token }), INVALID_TOKEN);
  });

  it("the token cookie on a request another site made (<img src>), spending nothing (GATE_TOKEN_COOKIE)", async () => {
    vi.stubEnv("GATE_TOKEN_COOKIE", "tollgate_at");
    const withCookie = await loadGateApp();
    try {
      const cookie = `tollgate_at=${await signTestToken(key, claims())}`;
      const unitsBefore = await env.db.usageCounter.aggregate({ _sum: { units: true } });
      for (const site of ["cross-site", "same-site", undefined]) {
        const response = await callApi(withCookie, undefined, "GET", "/api/v1/widgets", {
          headers: { cookie, ...(site ? { "sec-fetch-site": site } : {}) },
        });
        await expectRefused(response, { status: 403, type: "cross-site-request", challenge: null });
      }
      const unitsAfter = await env.db.usageCounter.aggregate({ _sum: { units: true } });
      expect(unitsAfter._sum.units).toEqual(unitsBefore._sum.units);
      // The same cookie from this site's own page is fine.
      const sameOrigin = await callApi(withCookie, undefined, "GET", "/api/v1/widgets", {
        headers: { cookie, "sec-fetch-site": "same-origin" },
      });
      expect(sameOrigin.status).toBe(200);
    } finally {
      vi.stubEnv("GATE_TOKEN_COOKIE", "");
      modules = await loadGateApp();
    }
  });

  it("an unknown /api/v1 path with 404 and a declared path's other method with 405 and Allow", async () => {
    const token = await signTestToken(key, claims());
    await expectRefused(await call({ token, path: "/api/v1/nothing-here" }), {
      status: 404,
      type: "not-found",
      challenge: null,
    });
    const response = await call({ token, method: "PUT" });
    await expectRefused(response, { status: 405, type: "method-not-allowed", challenge: null });
    expect(response.headers.get("allow")).toBe("GET, POST");
  });
});

describe("identity cannot be forged", () => {
  const forged = {
    "x-tollgate-identity": "eyJzdWJqZWN0IjoiYXV0aDB8YWRtaW4ifQ.forged",
    "x-middleware-subrequest": "proxy:proxy:proxy:proxy:proxy",
    "x-forwarded-user": "auth0|admin",
  };

  it("ignores identity and subrequest headers a client sends: the caller is the token's", async () => {
    const token = await signTestToken(key, claims());
    const response = await call({ token, path: "/api/v1/me", headers: forged });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ subject: `${CLIENT_ID}@clients`, kind: "machine" });
  });

  it("refuses spoofed headers without a token", async () => {
    await expectRefused(await call({ headers: forged }), {
      status: 401,
      type: "invalid-token",
      challenge: /^Bearer realm="api"$/,
    });
  });

  it("refuses requests that reach a route handler without passing the proxy", async () => {
    const bypass = new Request(`${TEST_BASE_URL}/api/v1/widgets`, { headers: forged });
    await expectRefused(await routeOf(modules, "GET", "/api/v1/widgets").handler(bypass, {}), {
      status: 401,
      type: "invalid-token",
      challenge: /^Bearer realm="api"$/,
    });
    const token = await signTestToken(key, claims({ scope: "get:widgets" }));
    const wrongScope = new Request(`${TEST_BASE_URL}/api/v1/widgets`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...forged },
      body: JSON.stringify({ name: "x", size_cm: 1 }),
    });
    await expectRefused(await routeOf(modules, "POST", "/api/v1/widgets").handler(wrongScope, {}), {
      status: 403,
      type: "insufficient-scope",
      challenge: /insufficient_scope/,
    });
  });

  it("answers a cursor of another customer's widget as it answers an unknown one: 400, nothing about it", async () => {
    const other = await env.db.customer.create({ data: { email: "cursor-victim@example.com" } });
    const theirs = await env.db.widget.create({
      data: { customerId: other.id, name: "theirs", color: "#000000", sizeCm: 1 },
    });
    const token = await signTestToken(key, claims());
    const bodies = [];
    for (const cursor of [theirs.id, crypto.randomUUID()]) {
      const response = await call({ token, path: `/api/v1/widgets?cursor=${cursor}` });
      bodies.push(await expectRefused(response, { status: 400, type: "invalid-request", challenge: null }));
    }
    expect(bodies[0]?.detail).toBe(bodies[1]?.detail);
  });

  it("refuses a valid token whose subject is linked to no customer, with a clear 403", async () => {
    const token = await signTestToken(key, claims({ sub: "ghost-client@clients", azp: "ghost-client" }));
    const body = await expectRefused(await call({ token }), { status: 403, type: "unknown-customer" });
    expect(body.detail).toMatch(/not registered|revoked/);
  });

  it("refuses a revoked machine client's token at once, not at exp", async () => {
    const token = await signTestToken(key, claims({ sub: "revoked-client@clients", azp: "revoked-client" }));
    const customer = await env.db.customer.create({ data: { email: "revoked@example.com" } });
    await env.db.apiClient.create({
      data: { clientId: "revoked-client", customerId: customer.id, name: "old", scopes: [] },
    });
    expect((await call({ token })).status).toBe(200);
    await env.db.apiClient.update({
      where: { clientId: "revoked-client" },
      data: { revokedAt: new Date() },
    });
    await (await import("@/lib/api/resolve-customer")).forgetCaller("revoked-client@clients");
    await expectRefused(await call({ token }), { status: 403, type: "unknown-customer" });
  });
});

describe("the proxy itself", () => {
  it("answers refusals directly and forwards admitted requests with a request id", async () => {
    const refused = await modules.proxy(new NextRequest(`${TEST_BASE_URL}/api/v1/widgets`));
    expect(refused.status).toBe(401);
    const token = await signTestToken(key, claims());
    const admitted = await modules.proxy(
      new NextRequest(`${TEST_BASE_URL}/api/v1/widgets`, { headers: { authorization: `Bearer ${token}` } }),
    );
    expect(admitted.headers.get("x-middleware-next")).toBe("1");
    // Passed on unchanged: no request-header override for a client to confuse with ours.
    expect(admitted.headers.get("x-middleware-override-headers")).toBeNull();
  });
});

describe("signing keys", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  /** A fresh gate (new process state) trusting `server`, with its own JWKS timings. */
  async function bootGate(server: JwksTestServer, timings: Record<string, string>) {
    vi.stubEnv("AUTH0_ISSUER", server.issuer);
    for (const [name, value] of Object.entries(timings)) vi.stubEnv(name, value);
    modules = await loadGateApp();
  }

  async function withServer(keys: TestKey[], run: (server: JwksTestServer) => Promise<void>) {
    const server = await startJwksTestServer(keys);
    try {
      await run(server);
    } finally {
      await server.close();
    }
  }

  const tokenFor = (server: JwksTestServer, signer: TestKey, extra: JWTPayload = {}) =>
    signTestToken(signer, claims({ iss: server.issuer, jti: crypto.randomUUID(), ...extra }));

  it("a burst of 1,000 forged kids causes at most one JWKS fetch, and none is admitted", async () => {
    await withServer([key], async (server) => {
      await bootGate(server, { GATE_JWKS_COOLDOWN_SECONDS: "30" });
      expect((await call({ token: await tokenFor(server, key) })).status).toBe(200);
      const before = server.requests;
      const forged = await Promise.all(
        Array.from({ length: 1_000 }, (_, index) =>
          signTestToken(otherKey, claims({ iss: server.issuer }), { kid: `forged-${index}` }),
        ),
      );
      const responses = await Promise.all(forged.map((token) => call({ token })));
      expect(responses.every((response) => response.status === 401)).toBe(true);
      expect(server.requests - before).toBeLessThanOrEqual(1);
    });
  });

  it("accepts a rotated-in key after one refetch and rejects a removed key after the refresh", async () => {
    const newKey = await createTestKey("key-new");
    await withServer([key], async (server) => {
      await bootGate(server, { GATE_JWKS_COOLDOWN_SECONDS: "1", GATE_JWKS_REFRESH_SECONDS: "1" });
      expect((await call({ token: await tokenFor(server, key) })).status).toBe(200);

      server.serve([key, newKey]);
      await sleep(1_100); // past the unknown-kid cooldown
      const before = server.requests;
      expect((await call({ token: await tokenFor(server, newKey) })).status).toBe(200);
      expect(server.requests - before).toBe(1);

      server.serve([newKey]);
      await sleep(1_100); // past the refresh period: the next request refreshes in the background
      await call({ token: await tokenFor(server, newKey) });
      await vi.waitFor(() => expect(server.requests).toBeGreaterThan(before + 1));
      await vi.waitFor(async () => {
        const response = await call({ token: await tokenFor(server, key) });
        expect(response.status).toBe(401);
      });
      expect((await call({ token: await tokenFor(server, newKey) })).status).toBe(200);
    });
  });

  it("keeps serving cached keys while the issuer is down, up to their maximum age, then fails closed with 503", async () => {
    await withServer([key], async (server) => {
      await bootGate(server, { GATE_JWKS_REFRESH_SECONDS: "1", GATE_JWKS_MAX_AGE_SECONDS: "2" });
      expect((await call({ token: await tokenFor(server, key) })).status).toBe(200);
      server.mode = "http-503";
      await sleep(1_100);
      expect((await call({ token: await tokenFor(server, key) })).status).toBe(200);
      await sleep(1_500); // beyond the maximum age of the last good fetch
      await expectRefused(await call({ token: await tokenFor(server, key) }), {
        status: 503,
        type: "service-unavailable",
      });
    });
  });

  it("fails closed with 503 when the issuer is down and no keys were ever fetched", async () => {
    await withServer([key], async (server) => {
      server.mode = "reset";
      await bootGate(server, {});
      const response = await call({ token: await tokenFor(server, key) });
      await expectRefused(response, { status: 503, type: "service-unavailable" });
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    });
  });
});
