import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { problemResponse } from "@/lib/errors";
import { createTestKeyPair, NOW, T0 } from "@/test/gate-fixtures";
import { type GateError, type GateErrorCode } from "./errors";
import { createJwksCache, type JwksCacheOptions } from "./jwks-cache";
import { signTestToken, startJwksTestServer, type JwksTestServer, type TestKey } from "./jwks-test-server";
import { createTokenVerifier } from "./verify-access-token";

const AUDIENCE = "https://api.tollgate.test";
const SECOND = 1000;
const REFRESH = 900;
const COOLDOWN = 30;
const MAX_AGE = 6 * 3600;

let keyA: TestKey;
let keyB: TestKey;
const servers: JwksTestServer[] = [];

beforeAll(async () => {
  [keyA, keyB] = await createTestKeyPair("key-a", "key-b");
});

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function setup(keys: TestKey[] = [keyA], options: Partial<JwksCacheOptions> = {}) {
  const server = await startJwksTestServer(keys);
  servers.push(server);
  const clock = { now: T0 };
  const jwks = createJwksCache({
    jwksUri: server.jwksUri,
    refreshSeconds: REFRESH,
    cooldownSeconds: COOLDOWN,
    maxAgeSeconds: MAX_AGE,
    now: () => clock.now,
    ...options,
  });
  const verify = createTokenVerifier({
    issuer: server.issuer,
    audience: AUDIENCE,
    getKey: jwks.getKey,
    now: () => clock.now,
  });
  // Tokens valid for the whole simulated day.
  const sign = (key: TestKey, header: Record<string, unknown> = {}) =>
    signTestToken(
      key,
      { iss: server.issuer, aud: AUDIENCE, sub: "auth0|u1", iat: NOW, exp: NOW + 86_400 },
      header,
    );
  return { server, clock, jwks, verify, sign };
}

async function expectCode(promise: Promise<unknown>, code: GateErrorCode): Promise<GateError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected ${code}`);
    },
    (reason: unknown) => reason as GateError,
  );
  expect(error.code).toBe(code);
  return error;
}

/** A token with an arbitrary kid: refused at key lookup, so the signature need not be real. */
function forgedKidToken(issuer: string, kid: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${part({ alg: "RS256", kid })}.${part({ iss: issuer, aud: AUDIENCE, sub: "x", exp: NOW + 60 })}.c2lnbmF0dXJl`;
}

describe("fetching", () => {
  it("is lazy, then serves every verification from one fetch", async () => {
    const { server, jwks, verify, sign } = await setup();
    expect(server.requests).toBe(0);
    const token = await sign(keyA);
    await Promise.all([verify(token), verify(token), verify(token)]);
    await verify(token);
    expect(server.requests).toBe(1);
    expect(jwks.stats()).toMatchObject({
      fetches: 1,
      failures: 0,
      lastSuccessAt: T0,
      kids: ["key-a"],
      lastError: null,
    });
  });

  it("a burst of 1,000 forged kids on a warm cache costs the issuer one request", async () => {
    const { server, clock, jwks, verify, sign } = await setup();
    await verify(await sign(keyA));
    clock.now += COOLDOWN * SECOND; // a refetch for an unknown kid is allowed again
    const results = await Promise.allSettled(
      Array.from({ length: 1000 }, (_, index) => verify(forgedKidToken(server.issuer, `forged-${index}`))),
    );
    expect(
      results.every(
        (result) => result.status === "rejected" && result.reason.code === "ERR_TOKEN_KID_UNKNOWN",
      ),
    ).toBe(true);
    expect(server.requests).toBe(2);
    expect(jwks.stats().fetches).toBe(2);
    // And later forged kids within the cooldown cost nothing.
    await expectCode(verify(forgedKidToken(server.issuer, "forged-late")), "ERR_TOKEN_KID_UNKNOWN");
    expect(server.requests).toBe(2);
  });

  it("a burst of 1,000 forged kids on a cold cache: one request", async () => {
    const { server, verify } = await setup();
    const results = await Promise.allSettled(
      Array.from({ length: 1000 }, (_, index) => verify(forgedKidToken(server.issuer, `forged-${index}`))),
    );
    expect(
      results.every(
        (result) => result.status === "rejected" && result.reason.code === "ERR_TOKEN_KID_UNKNOWN",
      ),
    ).toBe(true);
    expect(server.requests).toBe(1);
  });

  it("validates the document: not JSON, not a key set, an HTTP error, a redirect", async () => {
    const { server, clock, jwks, verify, sign } = await setup();
    const token = await sign(keyA);
    const bad: Array<{ raw: string; contentType?: string }> = [
      { raw: "<html>maintenance</html>", contentType: "text/html" },
      { raw: '{"foo":1}' },
      { raw: '{"keys":{"kid":"key-a"}}' },
      { raw: '{"keys":[1,2]}' },
      { raw: "[]" },
    ];
    for (const document of bad) {
      server.serve(document);
      await expectCode(verify(token), "ERR_JWKS_UNAVAILABLE");
      clock.now += COOLDOWN * SECOND;
    }
    server.mode = "http-503";
    await expectCode(verify(token), "ERR_JWKS_UNAVAILABLE");
    expect(jwks.stats()).toMatchObject({
      fetches: 6,
      failures: 6,
      lastSuccessAt: null,
      lastError: "JWKS endpoint answered HTTP 503",
    });

    server.mode = "up";
    server.serve([keyA]);
    clock.now += COOLDOWN * SECOND;
    await expect(verify(token)).resolves.toBeDefined();
    expect(jwks.stats()).toMatchObject({ failures: 6, lastError: null, kids: ["key-a"] });
  });

  it("does not follow redirects", async () => {
    const target = await setup();
    const { createServer } = await import("node:http");
    const redirector = createServer((_request, response) => {
      response.writeHead(302, { location: target.server.jwksUri }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
    try {
      const address = redirector.address();
      const port = typeof address === "object" && address ? address.port : 0;
      const jwks = createJwksCache({ jwksUri: `http://127.0.0.1:${port}/jwks.json`, now: () => T0 });
      await expectCode(
        jwks.getKey({ alg: "RS256", kid: "key-a" }, { payload: "", signature: "" }),
        "ERR_JWKS_UNAVAILABLE",
      );
      expect(target.server.requests).toBe(0);
    } finally {
      await new Promise<void>((resolve) => redirector.close(() => resolve()));
    }
  });

  it("times out a JWKS endpoint that never answers", async () => {
    const { server, jwks, verify, sign } = await setup([keyA], { timeoutMs: 150 });
    server.mode = "hang";
    const started = performance.now();
    await expectCode(verify(await sign(keyA)), "ERR_JWKS_UNAVAILABLE");
    expect(performance.now() - started).toBeLessThan(5000);
    expect(jwks.stats().lastError).toMatch(/timeout|aborted/i);
  });

  it("skips keys that are not public signing keys, keeps kid-less ones for kid-less tokens", async () => {
    const { server, jwks, verify, sign } = await setup();
    const noKid = { ...keyB, publicJwk: { ...keyB.publicJwk, kid: undefined } };
    server.serve({
      raw: JSON.stringify({
        keys: [
          keyA.publicJwk,
          { ...keyB.publicJwk, kid: "enc-key", use: "enc" },
          { ...keyB.publicJwk, kid: "private-key", d: "secret" },
          { kty: "oct", kid: "hmac-key", k: "c2VjcmV0" },
          { kid: "no-kty" },
          noKid.publicJwk,
        ],
      }),
    });
    await expect(verify(await sign(keyA))).resolves.toBeDefined();
    expect(jwks.stats()).toMatchObject({ kids: ["key-a", ""], ignoredKeys: 4 });
    await expectCode(verify(await sign(keyB, { kid: "enc-key" })), "ERR_TOKEN_KID_UNKNOWN");
    await expectCode(verify(await sign(keyB, { kid: "private-key" })), "ERR_TOKEN_KID_UNKNOWN");
    // A token with a kid never matches a kid-less key; one without a kid matches every key: ambiguous.
    await expectCode(verify(await sign(keyB, { kid: "other" })), "ERR_TOKEN_KID_UNKNOWN");
    await expectCode(verify(await sign(keyB, { kid: undefined })), "ERR_TOKEN_KID_UNKNOWN");
  });

  it("a token without kid verifies against a set of exactly one key", async () => {
    const { server, verify, sign } = await setup();
    server.serve({ raw: JSON.stringify({ keys: [{ ...keyB.publicJwk, kid: undefined }] }) });
    await expect(verify(await sign(keyB, { kid: undefined }))).resolves.toBeDefined();
    await expectCode(verify(await sign(keyA, { kid: undefined })), "ERR_TOKEN_INVALID_SIGNATURE");
  });
});

describe("rotation", () => {
  it("a new kid is accepted after one refetch", async () => {
    const { server, clock, verify, sign } = await setup([keyA]);
    await verify(await sign(keyA));
    server.serve([keyA, keyB]);
    clock.now += COOLDOWN * SECOND;
    await expect(verify(await sign(keyB))).resolves.toBeDefined();
    await expect(verify(await sign(keyB))).resolves.toBeDefined();
    await expect(verify(await sign(keyA))).resolves.toBeDefined();
    expect(server.requests).toBe(2);
  });

  it("a new kid right after a fetch waits for the cooldown", async () => {
    const { server, clock, verify, sign } = await setup([keyA]);
    await verify(await sign(keyA));
    server.serve([keyA, keyB]);
    clock.now += (COOLDOWN - 1) * SECOND;
    await expectCode(verify(await sign(keyB)), "ERR_TOKEN_KID_UNKNOWN");
    expect(server.requests).toBe(1);
    clock.now += SECOND;
    await expect(verify(await sign(keyB))).resolves.toBeDefined();
    expect(server.requests).toBe(2);
  });

  it("a removed key is refused after the periodic refresh, which never blocks a request", async () => {
    const changes: Array<{ added: string[]; removed: string[] }> = [];
    const { server, clock, jwks, verify, sign } = await setup([keyA, keyB], {
      onKeysChanged: (change) => changes.push(change),
    });
    const tokenA = await sign(keyA);
    await verify(tokenA);
    server.serve([keyB]);
    server.hold();

    clock.now += REFRESH * SECOND;
    // Stale keys still serve while the refresh is in flight (the server holds it).
    await expect(verify(tokenA)).resolves.toBeDefined();
    await vi.waitFor(() => expect(server.requests).toBe(2));
    expect(jwks.stats().kids).toEqual(["key-a", "key-b"]);
    await expect(verify(tokenA)).resolves.toBeDefined();

    server.release();
    await jwks.settled();
    expect(jwks.stats()).toMatchObject({ kids: ["key-b"], lastSuccessAt: clock.now });
    expect(changes).toEqual([{ added: [], removed: ["key-a"] }]);
    await expectCode(verify(tokenA), "ERR_TOKEN_KID_UNKNOWN");
    await expect(verify(await sign(keyB))).resolves.toBeDefined();
    expect(server.requests).toBe(2);
  });

  it("an unchanged document keeps the key set and reports no change", async () => {
    const changes: unknown[] = [];
    const { clock, jwks, verify, sign } = await setup([keyA], {
      onKeysChanged: (change) => changes.push(change),
    });
    await verify(await sign(keyA));
    clock.now += REFRESH * SECOND;
    await verify(await sign(keyA));
    await jwks.settled();
    expect(jwks.stats()).toMatchObject({ fetches: 2, lastSuccessAt: clock.now });
    expect(changes).toEqual([]);
  });

  it("refresh() fetches now, sharing a fetch in flight", async () => {
    const { server, jwks } = await setup([keyA]);
    const results = await Promise.all([jwks.refresh(), jwks.refresh()]);
    expect(results).toEqual([true, true]);
    expect(server.requests).toBe(1);
  });
});

describe("issuer unreachable", () => {
  it.each(["http-503", "reset"] as const)(
    "(%s) cached keys serve until maxAge after the last success, then fail closed; recovery",
    async (mode) => {
      const { server, clock, jwks, verify, sign } = await setup([keyA]);
      const token = await sign(keyA);
      await verify(token);
      server.mode = mode;

      clock.now = T0 + REFRESH * SECOND;
      await expect(verify(token)).resolves.toBeDefined(); // background refresh fails
      await jwks.settled();
      expect(jwks.stats()).toMatchObject({ fetches: 2, failures: 1, lastSuccessAt: T0 });

      clock.now = T0 + MAX_AGE * SECOND;
      await expect(verify(token)).resolves.toBeDefined();
      await jwks.settled();

      clock.now = T0 + MAX_AGE * SECOND + 1;
      const error = await expectCode(verify(token), "ERR_JWKS_UNAVAILABLE");
      const response = problemResponse(error);
      expect(response.status).toBe(503);
      expect(response.headers.has("www-authenticate")).toBe(false);
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);

      // Within the cooldown, further requests fail fast without contacting the issuer.
      const requests = server.requests;
      await expectCode(verify(token), "ERR_JWKS_UNAVAILABLE");
      expect(server.requests).toBe(requests);

      server.mode = "up";
      clock.now += COOLDOWN * SECOND;
      await expect(verify(token)).resolves.toBeDefined();
      expect(jwks.stats().lastSuccessAt).toBe(clock.now);
    },
  );

  it("no keys ever fetched: ERR_JWKS_UNAVAILABLE (503), one request per cooldown", async () => {
    const errors: Error[] = [];
    const { server, clock, jwks, verify, sign } = await setup([keyA], {
      onFetchError: (error) => errors.push(error),
    });
    server.mode = "http-503";
    const token = await sign(keyA);
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => verify(token)));
    expect(
      results.every(
        (result) => result.status === "rejected" && result.reason.code === "ERR_JWKS_UNAVAILABLE",
      ),
    ).toBe(true);
    expect(server.requests).toBe(1);
    expect(errors).toHaveLength(1);

    const error = await expectCode(verify(token), "ERR_JWKS_UNAVAILABLE");
    expect(problemResponse(error).status).toBe(503);
    expect(error.reason).toContain("never fetched");
    expect(server.requests).toBe(1);

    clock.now += COOLDOWN * SECOND;
    server.mode = "up";
    await expect(verify(token)).resolves.toBeDefined();
    expect(jwks.stats()).toMatchObject({ fetches: 2, failures: 1 });
  });
});
