import { CompactSign, exportSPKI, SignJWT, type JWTPayload } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_TABLE, problemResponse } from "@/lib/errors";
import { createTestKeyPair, NOW, T0 } from "@/test/gate-fixtures";
import { GateError, type GateErrorCode } from "./errors";
import { createJwksCache } from "./jwks-cache";
import {
  createTestKey,
  signTestToken,
  startJwksTestServer,
  type JwksTestServer,
  type TestKey,
} from "./jwks-test-server";
import { checkScopes } from "./scopes";
import { createTokenCache } from "./token-cache";
import { createTokenVerifier, type TokenVerifierOptions, type VerifiedToken } from "./verify-access-token";

const AUDIENCE = "https://api.tollgate.test";
const TOLERANCE = 5;

let key: TestKey;
let impostor: TestKey; // same kid as `key`, different key material
let issuerServer: JwksTestServer;
let jkuServer: JwksTestServer;

beforeAll(async () => {
  [key, impostor] = await createTestKeyPair("key-a", "key-a");
  issuerServer = await startJwksTestServer([key]);
  jkuServer = await startJwksTestServer([impostor]);
});

afterAll(async () => {
  await Promise.all([issuerServer.close(), jkuServer.close()]);
});

function setup(overrides: Partial<TokenVerifierOptions> = {}) {
  const clock = { now: T0 };
  const jwks = createJwksCache({ jwksUri: issuerServer.jwksUri, now: () => clock.now });
  const verify = createTokenVerifier({
    issuer: issuerServer.issuer,
    audience: AUDIENCE,
    clockToleranceSeconds: TOLERANCE,
    getKey: jwks.getKey,
    now: () => clock.now,
    ...overrides,
  });
  return { clock, jwks, verify };
}

function claims(extra: JWTPayload = {}): JWTPayload {
  return {
    iss: issuerServer.issuer,
    aud: AUDIENCE,
    sub: "auth0|user-1",
    azp: "spa-client",
    iat: NOW - 60,
    exp: NOW + 3600,
    scope: "read:widgets write:widgets",
    ...extra,
  };
}

const b64 = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

async function rejection(promise: Promise<unknown>): Promise<GateError> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GateError);
  return error as GateError;
}

async function expectCode(promise: Promise<unknown>, code: GateErrorCode): Promise<GateError> {
  const error = await rejection(promise);
  expect(error.code).toBe(code);
  return error;
}

function expectInvalidToken(error: GateError) {
  const response = problemResponse(error);
  expect(response.status).toBe(401);
  expect(response.headers.get("www-authenticate")).toBe(
    `Bearer realm="tollgate", error="invalid_token", error_description="${ERROR_TABLE[error.code].detail}"`,
  );
}

describe("valid tokens", () => {
  it("a person token: subject, client, scopes from scope and permissions, expiry", async () => {
    const { verify } = setup();
    const token = await signTestToken(key, claims({ permissions: ["read:invoices", "read:widgets"] }));
    const verified = await verify(token);
    expect(verified).toMatchObject({
      subject: "auth0|user-1",
      clientId: "spa-client",
      kind: "person",
      roles: [],
      expiresAt: NOW + 3600,
    });
    expect([...verified.scopes].sort()).toEqual(["read:invoices", "read:widgets", "write:widgets"]);
    expect(verified.claims.azp).toBe("spa-client");
    expect(Object.isFrozen(verified)).toBe(true);
  });

  it("a machine token (client credentials)", async () => {
    const { verify } = setup();
    const token = await signTestToken(
      key,
      claims({
        sub: "m2m-client@clients",
        azp: undefined,
        client_id: "m2m-client",
        gty: "client-credentials",
        scope: "read:widgets",
      }),
    );
    const verified = await verify(token);
    expect(verified).toMatchObject({
      subject: "m2m-client@clients",
      clientId: "m2m-client",
      kind: "machine",
    });
    expect([...verified.scopes]).toEqual(["read:widgets"]);
  });

  it("aud as an array that includes ours", async () => {
    const { verify } = setup();
    const token = await signTestToken(key, claims({ aud: ["https://tenant.auth0.com/userinfo", AUDIENCE] }));
    await expect(verify(token)).resolves.toMatchObject({ subject: "auth0|user-1" });
  });

  it.each(["JWT", "jwt", "at+jwt", "AT+JWT", "application/at+jwt"])("typ %s", async (typ) => {
    const { verify } = setup();
    await expect(verify(await signTestToken(key, claims(), { typ }))).resolves.toBeDefined();
  });

  it("no typ", async () => {
    const { verify } = setup();
    await expect(verify(await signTestToken(key, claims(), { typ: undefined }))).resolves.toBeDefined();
  });

  it("exp, nbf and iat within the clock tolerance", async () => {
    const { verify } = setup();
    const token = await signTestToken(
      key,
      claims({ exp: NOW - TOLERANCE + 1, nbf: NOW + TOLERANCE, iat: NOW + TOLERANCE }),
    );
    await expect(verify(token)).resolves.toBeDefined();
  });
});

describe("structure", () => {
  it("no token at all is a different error (extraction): an empty string is malformed", async () => {
    const { verify } = setup();
    expectInvalidToken(await expectCode(verify(""), "ERR_TOKEN_MALFORMED"));
  });

  it.each([
    ["two parts", () => `${b64({ alg: "RS256", kid: "key-a" })}.${b64(claims())}`],
    ["four parts", () => `${b64({ alg: "RS256" })}.${b64(claims())}.c2ln.c2ln`],
    ["bad base64url", () => `${b64({ alg: "RS256" })}.${b64(claims())}*.c2ln`],
    ["standard base64 characters", () => `${b64({ alg: "RS256" })}.${b64(claims())}+/.c2ln`],
    ["header not JSON", () => `${b64("{alg")}.${b64(claims())}.c2ln`],
    ["header a JSON array", () => `${b64(["RS256"])}.${b64(claims())}.c2ln`],
    ["payload not JSON", () => `${b64({ alg: "RS256", kid: "key-a" })}.${b64("not json")}.c2ln`],
    ["payload a JSON number", () => `${b64({ alg: "RS256", kid: "key-a" })}.${b64("123")}.c2ln`],
    ["payload a JSON string", () => `${b64({ alg: "RS256", kid: "key-a" })}.${b64('"sub"')}.c2ln`],
    ["payload JSON null", () => `${b64({ alg: "RS256", kid: "key-a" })}.${b64("null")}.c2ln`],
    ["no alg", () => `${b64({ kid: "key-a" })}.${b64(claims())}.c2ln`],
    ["kid not a string", () => `${b64({ alg: "RS256", kid: 7 })}.${b64(claims())}.c2ln`],
    ["non-ASCII", () => `${b64({ alg: "RS256" })}.${b64(claims())}é.c2ln`],
  ])("%s: ERR_TOKEN_MALFORMED, before any key is fetched", async (_name, token) => {
    const { verify, jwks } = setup();
    expectInvalidToken(await expectCode(verify(token()), "ERR_TOKEN_MALFORMED"));
    expect(jwks.stats().fetches).toBe(0);
  });

  it.each([
    ["a JSON number", "123"],
    ["a JSON string", '"hello"'],
    ["not JSON", "hello"],
  ])("a correctly signed payload that is %s: ERR_TOKEN_MALFORMED", async (_name, payload) => {
    const { verify } = setup();
    const token = await new CompactSign(new TextEncoder().encode(payload))
      .setProtectedHeader({ alg: "RS256", kid: key.kid })
      .sign(key.privateKey);
    await expectCode(verify(token), "ERR_TOKEN_MALFORMED");
  });

  it("a 64 KB token is refused before parsing, cryptography or any JWKS fetch", async () => {
    const { verify, jwks } = setup();
    const before = issuerServer.requests;
    const token = await signTestToken(key, claims({ padding: "x".repeat(64 * 1024) }));
    const error = await expectCode(verify(token), "ERR_TOKEN_TOO_LARGE");
    expectInvalidToken(error);
    expect(error.reason).not.toContain(token.slice(0, 40));
    expect(jwks.stats().fetches).toBe(0);
    expect(issuerServer.requests).toBe(before);
  });

  it("maxTokenBytes is configurable", async () => {
    const { verify } = setup({ maxTokenBytes: 100 });
    await expectCode(verify(await signTestToken(key, claims())), "ERR_TOKEN_TOO_LARGE");
  });
});

describe("algorithms and keys", () => {
  it("alg none", async () => {
    const { verify, jwks } = setup();
    const token = `${b64({ alg: "none", typ: "JWT" })}.${b64(claims())}.`;
    expectInvalidToken(await expectCode(verify(token), "ERR_TOKEN_ALG_NOT_ALLOWED"));
    expect(jwks.stats().fetches).toBe(0);
  });

  it("HS256 keyed with the issuer's RSA public key (PEM and JWK)", async () => {
    const { verify } = setup();
    const pem = await exportSPKI(key.publicKey);
    const jwkText = JSON.stringify(key.publicJwk);
    for (const secret of [pem, jwkText, key.publicJwk.n ?? ""]) {
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: "HS256", kid: key.kid })
        .sign(new TextEncoder().encode(secret));
      await expectCode(verify(token), "ERR_TOKEN_ALG_NOT_ALLOWED");
    }
  });

  it("HS256 fails even if someone wrongly allows it: a JWKS never yields a secret key", async () => {
    const { verify } = setup({ algorithms: ["RS256", "HS256"] });
    const pem = await exportSPKI(key.publicKey);
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: "HS256", kid: key.kid })
      .sign(new TextEncoder().encode(pem));
    const error = await rejection(verify(token));
    expect(error.status).toBe(401);
  });

  it("RS384 when only RS256 is allowed", async () => {
    const { verify } = setup();
    const token = `${b64({ alg: "RS384", kid: key.kid })}.${b64(claims())}.c2ln`;
    await expectCode(verify(token), "ERR_TOKEN_ALG_NOT_ALLOWED");
  });

  it("unknown kid", async () => {
    const { verify } = setup();
    const stranger = await createTestKey("key-unknown");
    expectInvalidToken(
      await expectCode(verify(await signTestToken(stranger, claims())), "ERR_TOKEN_KID_UNKNOWN"),
    );
  });

  it("known kid, wrong key: bad signature", async () => {
    const { verify } = setup();
    expectInvalidToken(
      await expectCode(verify(await signTestToken(impostor, claims())), "ERR_TOKEN_INVALID_SIGNATURE"),
    );
  });

  it("a tampered payload: bad signature", async () => {
    const { verify } = setup();
    const [header, , signature] = (await signTestToken(key, claims())).split(".");
    const tampered = `${header}.${b64(claims({ scope: "admin:everything" }))}.${signature}`;
    await expectCode(verify(tampered), "ERR_TOKEN_INVALID_SIGNATURE");
  });

  it("an empty signature: bad signature", async () => {
    const { verify } = setup();
    const [header, payload] = (await signTestToken(key, claims())).split(".");
    await expectCode(verify(`${header}.${payload}.`), "ERR_TOKEN_INVALID_SIGNATURE");
  });

  it.each([
    ["jwk", (attacker: TestKey) => ({ jwk: attacker.publicJwk, kid: "attacker" })],
    ["jku", () => ({ jku: jkuServer.jwksUri, kid: "attacker" })],
    ["x5u", () => ({ x5u: `${jkuServer.issuer}cert.pem`, kid: "attacker" })],
    ["x5c", () => ({ x5c: ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"], kid: "attacker" })],
  ])("embedded key header %s: refused, nothing fetched", async (_name, header) => {
    const { verify, jwks, clock } = setup();
    await verify(await signTestToken(key, claims())); // keys cached
    clock.now += 60_000; // past the cooldown: an unknown kid would be allowed to refetch
    const before = { issuer: issuerServer.requests, jku: jkuServer.requests };
    const token = await signTestToken(impostor, claims(), header(impostor));
    expectInvalidToken(await expectCode(verify(token), "ERR_TOKEN_UNSUPPORTED_HEADER"));
    expect(issuerServer.requests).toBe(before.issuer);
    expect(jkuServer.requests).toBe(before.jku);
    expect(jkuServer.requests).toBe(0);
    expect(jwks.stats().fetches).toBe(1);
  });

  it("an unknown crit extension", async () => {
    const { verify } = setup();
    const token = await signTestToken(
      key,
      claims(),
      { crit: ["urn:example:policy"], "urn:example:policy": "x" },
      {
        "urn:example:policy": true,
      },
    );
    await expectCode(verify(token), "ERR_TOKEN_UNSUPPORTED_HEADER");
  });

  it("crit naming b64 (understood by jose, not by us)", async () => {
    const { verify } = setup();
    const token = await signTestToken(key, claims(), { crit: ["b64"], b64: true }, { b64: true });
    await expectCode(verify(token), "ERR_TOKEN_UNSUPPORTED_HEADER");
  });
});

describe("claims", () => {
  it("expired beyond the tolerance", async () => {
    const { verify } = setup();
    expectInvalidToken(
      await expectCode(
        verify(await signTestToken(key, claims({ exp: NOW - TOLERANCE }))),
        "ERR_TOKEN_EXPIRED",
      ),
    );
  });

  it("expires while cached-free verifier clock moves", async () => {
    const { verify, clock } = setup();
    const token = await signTestToken(key, claims({ exp: NOW + 10 }));
    await verify(token);
    clock.now += (10 + TOLERANCE) * 1000;
    await expectCode(verify(token), "ERR_TOKEN_EXPIRED");
  });

  it.each([
    ["exp", { exp: undefined }],
    ["sub", { sub: undefined }],
  ])("%s missing", async (_claim, extra) => {
    const { verify } = setup();
    await expectCode(verify(await signTestToken(key, claims(extra))), "ERR_TOKEN_CLAIM_INVALID");
  });

  it.each([
    ["exp a string", { exp: String(NOW + 60) }],
    ["sub empty", { sub: "" }],
    ["sub a number", { sub: 42 }],
    ["scope an array", { scope: ["read:widgets"] }],
    ["permissions a string", { permissions: "read:widgets" }],
    ["permissions with a number", { permissions: ["read:widgets", 1] }],
  ])("%s", async (_name, extra) => {
    const { verify } = setup();
    await expectCode(
      verify(await signTestToken(key, claims(extra as JWTPayload))),
      "ERR_TOKEN_CLAIM_INVALID",
    );
  });

  it("nbf in the future", async () => {
    const { verify } = setup();
    const token = await signTestToken(key, claims({ nbf: NOW + TOLERANCE + 1 }));
    expectInvalidToken(await expectCode(verify(token), "ERR_TOKEN_NOT_YET_VALID"));
  });

  it("iat in the future", async () => {
    const { verify } = setup();
    const token = await signTestToken(key, claims({ iat: NOW + TOLERANCE + 1 }));
    await expectCode(verify(token), "ERR_TOKEN_NOT_YET_VALID");
  });

  it("wrong iss", async () => {
    const { verify } = setup();
    await expectCode(
      verify(await signTestToken(key, claims({ iss: "https://evil.example/" }))),
      "ERR_TOKEN_CLAIM_INVALID",
    );
  });

  it("iss without Auth0's trailing slash", async () => {
    const { verify } = setup();
    const iss = issuerServer.issuer.replace(/\/$/, "");
    await expectCode(verify(await signTestToken(key, claims({ iss }))), "ERR_TOKEN_CLAIM_INVALID");
  });

  it.each([
    ["another API", { aud: "https://other-api.example" }],
    ["an array without ours", { aud: ["https://other-api.example", "spa-client"] }],
    ["a prefix of ours", { aud: AUDIENCE.slice(0, -1) }],
    ["missing", { aud: undefined }],
  ])("aud: %s", async (_name, extra) => {
    const { verify } = setup();
    await expectCode(verify(await signTestToken(key, claims(extra))), "ERR_TOKEN_CLAIM_INVALID");
  });

  it("an Auth0 ID token (aud is the client id, has nonce) is not an access token", async () => {
    const { verify } = setup();
    const idToken = await signTestToken(
      key,
      claims({
        aud: "spa-client",
        nonce: "n-0S6_WzA2Mj",
        email: "ada@example.com",
        scope: undefined,
        azp: undefined,
      }),
      { typ: "JWT" },
    );
    const error = await expectCode(verify(idToken), "ERR_TOKEN_CLAIM_INVALID");
    expect(error.reason).toContain("aud");
  });

  it("an ID token whose aud happens to include ours is still refused (nonce)", async () => {
    const { verify } = setup();
    const idToken = await signTestToken(key, claims({ aud: [AUDIENCE, "spa-client"], nonce: "abc" }));
    const error = await expectCode(verify(idToken), "ERR_TOKEN_CLAIM_INVALID");
    expect(error.reason).toContain("nonce");
  });

  it.each(["id+jwt", "dpop+jwt", "JOSE", "logout+jwt"])("typ %s", async (typ) => {
    const { verify } = setup();
    await expectCode(verify(await signTestToken(key, claims(), { typ })), "ERR_TOKEN_CLAIM_INVALID");
  });
});

describe("scopes", () => {
  async function scopesOf(extra: JWTPayload): Promise<ReadonlySet<string>> {
    const { verify } = setup();
    return (await verify(await signTestToken(key, claims(extra)))).scopes;
  }

  it("a missing scope: ERR_INSUFFICIENT_SCOPE, 403 with scope=", async () => {
    const scopes = await scopesOf({ scope: "read:widgets" });
    let error: unknown;
    try {
      checkScopes(scopes, { allOf: ["read:widgets", "write:widgets"] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: "ERR_INSUFFICIENT_SCOPE" });
    const response = problemResponse(error as GateError);
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    expect(response.headers.get("www-authenticate")).toContain('scope="read:widgets write:widgets"');
  });

  it("no scope claim at all: no scopes", async () => {
    expect((await scopesOf({ scope: undefined })).size).toBe(0);
  });

  it.each([
    ["scp", { scp: ["write:widgets"] }],
    ["scp string", { scp: "write:widgets" }],
    ["a namespaced claim", { "https://x/scopes": ["write:widgets"] }],
    ["scopes", { scopes: "write:widgets" }],
  ])("scopes in %s are ignored", async (_name, extra) => {
    const scopes = await scopesOf({ scope: "read:widgets", ...extra });
    expect([...scopes]).toEqual(["read:widgets"]);
    expect(() => checkScopes(scopes, { allOf: ["write:widgets"] })).toThrow(
      expect.objectContaining({ code: "ERR_INSUFFICIENT_SCOPE" }),
    );
  });

  it("extra spaces in scope are not scopes", async () => {
    expect([...(await scopesOf({ scope: " read:widgets  write:widgets " }))]).toEqual([
      "read:widgets",
      "write:widgets",
    ]);
  });
});

describe("roles", () => {
  const ROLES = "https://tollgate.dev/roles";

  it("reads a namespaced claim (a name containing dots) and a dot path", async () => {
    const namespaced = setup({ rolesClaim: ROLES });
    const token = await signTestToken(key, claims({ [ROLES]: ["api-user", 3, "admin"] }));
    expect((await namespaced.verify(token)).roles).toEqual(["api-user", "admin"]);

    const nested = setup({ rolesClaim: "app_metadata.roles" });
    const nestedToken = await signTestToken(key, claims({ app_metadata: { roles: ["api-user"] } }));
    expect((await nested.verify(nestedToken)).roles).toEqual(["api-user"]);
  });

  it("a person without a required role: ERR_ROLE_REQUIRED (403)", async () => {
    const { verify } = setup({ rolesClaim: ROLES, requiredRoles: ["api-user"] });
    const error = await expectCode(
      verify(await signTestToken(key, claims({ [ROLES]: ["viewer"] }))),
      "ERR_ROLE_REQUIRED",
    );
    expect(problemResponse(error).status).toBe(403);
    await expect(verify(await signTestToken(key, claims({ [ROLES]: ["api-user"] })))).resolves.toBeDefined();
  });

  it("machines are not held to roles unless requireRolesFor is all", async () => {
    const machine = claims({ sub: "m2m@clients", gty: "client-credentials" });
    const lenient = setup({ rolesClaim: ROLES, requiredRoles: ["api-user"] });
    await expect(lenient.verify(await signTestToken(key, machine))).resolves.toMatchObject({
      kind: "machine",
    });
    const strict = setup({ rolesClaim: ROLES, requiredRoles: ["api-user"], requireRolesFor: "all" });
    await expectCode(strict.verify(await signTestToken(key, machine)), "ERR_ROLE_REQUIRED");
  });

  it("requiredRoles without rolesClaim is a configuration error", () => {
    expect(() => setup({ requiredRoles: ["api-user"] })).toThrow(TypeError);
  });
});

describe("token cache", () => {
  it("a repeat is served from the cache, until exp", async () => {
    const tokenCache = createTokenCache<VerifiedToken>({ now: () => clock.now });
    const { verify, jwks, clock } = setup({ tokenCache });
    const token = await signTestToken(key, claims({ exp: NOW + 60 }));
    const first = await verify(token);
    expect(await verify(token)).toBe(first);
    expect(tokenCache.size).toBe(1);
    // At exp the cache no longer answers; a full verification still grants the clock tolerance...
    clock.now = T0 + 60_000;
    const again = await verify(token);
    expect(again).not.toBe(first);
    expect(tokenCache.size).toBe(0);
    // ...and refuses the token past it.
    clock.now = T0 + (60 + TOLERANCE) * 1000;
    await expectCode(verify(token), "ERR_TOKEN_EXPIRED");
    expect(jwks.stats().fetches).toBe(1);
  });

  it("failures are not cached", async () => {
    const tokenCache = createTokenCache<VerifiedToken>();
    const { verify } = setup({ tokenCache });
    await expectCode(verify(await signTestToken(impostor, claims())), "ERR_TOKEN_INVALID_SIGNATURE");
    expect(tokenCache.size).toBe(0);
  });

  it("the size limit applies before the cache is consulted", async () => {
    const tokenCache = createTokenCache<VerifiedToken>();
    const { verify } = setup({ tokenCache });
    const token = await signTestToken(key, claims());
    await verify(token);
    const strict = createTokenVerifier({
      issuer: issuerServer.issuer,
      audience: AUDIENCE,
      maxTokenBytes: 100,
      getKey: () => Promise.reject(new Error("not reached")),
      tokenCache,
      now: () => T0,
    });
    await expectCode(strict(token), "ERR_TOKEN_TOO_LARGE");
  });
});
