import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { problemResponse } from "@/lib/errors";
import { loadConfig } from "@/lib/config/schema";
import { createTestKeyPair, NOW, T0 } from "@/test/gate-fixtures";
import { createGate } from "./create-gate";
import { GateError } from "./errors";
import { signTestToken, startJwksTestServer, type JwksTestServer, type TestKey } from "./jwks-test-server";

const AUDIENCE = "https://api.tollgate.test/";

let keyA: TestKey;
let keyB: TestKey;
let server: JwksTestServer;

beforeAll(async () => {
  [keyA, keyB] = await createTestKeyPair("key-a", "key-b");
  server = await startJwksTestServer([keyA, keyB]);
});

afterAll(() => server.close());

function gate() {
  const clock = { now: T0 };
  const config = loadConfig({
    NODE_ENV: "test",
    AUTH0_ISSUER: server.issuer,
    AUTH0_JWKS_URI: server.jwksUri,
    AUTH0_AUDIENCE: AUDIENCE,
    GATE_TOKEN_COOKIE: "tollgate_at",
  });
  return { clock, gate: createGate({ ...config.gate, now: () => clock.now }) };
}

const sign = (key: TestKey, extra: Record<string, unknown> = {}) =>
  signTestToken(key, {
    iss: server.issuer,
    aud: AUDIENCE,
    sub: "auth0|u1",
    iat: NOW,
    exp: NOW + 3600,
    scope: "read:widgets",
    ...extra,
  });

const URL = "https://tollgate.example/api/v1/widgets";

/** Runs authenticate and turns a GateError into its response, as the proxy will. */
async function respond(run: () => Promise<unknown>): Promise<Response | "ok"> {
  try {
    await run();
    return "ok";
  } catch (error) {
    if (error instanceof GateError)
      return problemResponse(error, { requestId: "req_1", instance: "/api/v1/widgets" });
    throw error;
  }
}

describe("createGate", () => {
  it("takes config.gate as is, and authenticates a bearer request with its scopes", async () => {
    const { gate: g } = gate();
    const request = new Request(URL, { headers: { authorization: `Bearer ${await sign(keyA)}` } });
    await expect(g.authenticate(request, { allOf: ["read:widgets"] })).resolves.toMatchObject({
      subject: "auth0|u1",
      kind: "person",
    });
  });

  it("reads the configured cookie on same-origin requests, and refuses it on another site's", async () => {
    const { gate: g } = gate();
    const cookie = `tollgate_at=${await sign(keyA)}`;
    const sameOrigin = new Request(URL, { headers: { cookie, "sec-fetch-site": "same-origin" } });
    await expect(g.authenticate(sameOrigin)).resolves.toMatchObject({ subject: "auth0|u1" });
    const crossSite = new Request(URL, { headers: { cookie, "sec-fetch-site": "cross-site" } });
    await expect(g.authenticate(crossSite)).rejects.toMatchObject({
      code: "ERR_COOKIE_CROSS_SITE",
      status: 403,
    });
  });

  it("no token: 401 with a bare challenge", async () => {
    const { gate: g } = gate();
    const response = await respond(() => g.authenticate(new Request(URL)));
    expect(response).toBeInstanceOf(Response);
    const { status, headers } = response as Response;
    expect(status).toBe(401);
    expect(headers.get("www-authenticate")).toBe('Bearer realm="tollgate"');
  });

  it("token in the query: 400 invalid_request", async () => {
    const { gate: g } = gate();
    const token = await sign(keyA);
    const response = (await respond(() =>
      g.authenticate(new Request(`${URL}?access_token=${token}`)),
    )) as Response;
    expect(response.status).toBe(400);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_request"');
    expect(await response.text()).not.toContain(token);
  });

  it("a bad token: 401 invalid_token, the body never echoes it", async () => {
    const { gate: g } = gate();
    const token = (await sign(keyA)).slice(0, -4) + "AAAA";
    const response = (await respond(() =>
      g.authenticate(new Request(URL, { headers: { authorization: `Bearer ${token}` } })),
    )) as Response;
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain('error="invalid_token"');
    const body = await response.text();
    expect(body).not.toContain(token.split(".")[2]);
    expect(body).toContain('"request_id":"req_1"');
  });

  it("a missing scope: 403 insufficient_scope", async () => {
    const { gate: g } = gate();
    const request = new Request(URL, { headers: { authorization: `Bearer ${await sign(keyA)}` } });
    const response = (await respond(() => g.authenticate(request, { allOf: ["write:widgets"] }))) as Response;
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toContain('scope="write:widgets"');
  });

  it("caches verified tokens, and forgets them when the issuer withdraws a key", async () => {
    const { gate: g, clock } = gate();
    const tokenA = await sign(keyA);
    const tokenB = await sign(keyB);
    const first = await g.verify(tokenA);
    expect(await g.verify(tokenA)).toBe(first);
    await g.verify(tokenB);
    expect(g.tokenCache?.size).toBe(2);

    server.serve([keyB]);
    try {
      clock.now += 900_000; // periodic refresh
      await g.verify(tokenB);
      await g.jwks.settled();
      expect(g.tokenCache?.size).toBe(0);
      await expect(g.verify(tokenA)).rejects.toMatchObject({ code: "ERR_TOKEN_KID_UNKNOWN" });
      await expect(g.verify(tokenB)).resolves.toBeDefined();
    } finally {
      server.serve([keyA, keyB]);
    }
  });

  it("cached tokens fail closed too once the keys are past their maximum age", async () => {
    const { gate: g, clock } = gate();
    const token = await sign(keyA, { exp: NOW + 7 * 3600 });
    const first = await g.verify(token);
    server.mode = "http-503";
    try {
      clock.now += 3600_000; // refresh due: fails in the background, cached token still served
      expect(await g.verify(token)).toBe(first);
      await g.jwks.settled();
      expect(g.jwks.stats().failures).toBe(1);
      clock.now = T0 + 6 * 3600_000 + 1; // past GATE_JWKS_MAX_AGE_SECONDS (6 h)
      await expect(g.verify(token)).rejects.toMatchObject({ code: "ERR_JWKS_UNAVAILABLE" });
      server.mode = "up";
      clock.now += 30_000;
      await expect(g.verify(token)).resolves.toMatchObject({ subject: "auth0|u1" });
    } finally {
      server.mode = "up";
    }
  });

  it("tokenCacheSize 0 disables the cache", async () => {
    const config = loadConfig({
      NODE_ENV: "test",
      AUTH0_ISSUER: server.issuer,
      AUTH0_JWKS_URI: server.jwksUri,
      AUTH0_AUDIENCE: AUDIENCE,
    });
    const g = createGate({ ...config.gate, tokenCacheSize: 0, now: () => T0 });
    const token = await sign(keyA);
    expect(await g.verify(token)).not.toBe(await g.verify(token));
    expect(g.tokenCache).toBeNull();
  });
});
