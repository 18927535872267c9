/**
 * The gate's cost, measured side by side in one run:
 * (a) verify + scope check per operation: Tollgate cold (no token cache) and cached, Auth0's
 *     express-oauth2-jwt-bearer, and plain jose, on the same tokens in the same process; beside them
 *     API keys (`tg_test_...`), from the gate's cache and uncached (one read of a migrated database,
 *     PGlite, or PostgreSQL with DATABASE_URL, as the route handler reads every key);
 * (b) HTTP throughput of `next start`: an unprotected route, the same answer behind an empty proxy,
 *     and the fully gated GET /api/v1/me (proxy gate + the handler's identity and customer checks).
 */
import autocannon from "autocannon";
import { auth, requiredScopes } from "express-oauth2-jwt-bearer";
import { createLocalJWKSet, jwtVerify } from "jose";
import { loadConfig } from "@/lib/config/schema";
import { findApiKeyByHash } from "@/lib/api/authenticate-call";
import { createApiKeyVerifier, createGate, checkScopes, generateApiKey } from "@/lib/gate";
import { createMigratedDatabase } from "@/test/database";
import { createTestKey, signTestToken, startJwksTestServer } from "@/lib/gate/jwks-test-server";
import { compareOps, median } from "./lib/measure";
import type { AreaResult } from "./lib/report";
import { startBenchServer } from "./lib/server";

const AUDIENCE = "https://api.tollgate.bench/";
const SCOPE = "get:widgets";

async function verifyCosts() {
  const key = await createTestKey("bench-key");
  const jwksServer = await startJwksTestServer([key]);
  const issuer = jwksServer.issuer;
  const now = Math.floor(Date.now() / 1000);
  const tokens = await Promise.all(
    Array.from({ length: 256 }, (_, index) =>
      signTestToken(key, {
        iss: issuer,
        aud: AUDIENCE,
        sub: `client-${index}@clients`,
        azp: `client-${index}`,
        gty: "client-credentials",
        scope: `${SCOPE} create:widgets`,
        iat: now,
        exp: now + 3600,
        jti: `t-${index}`,
      }),
    ),
  );
  let next = 0;
  const token = () => tokens[next++ % tokens.length] as string;

  const settings = { issuer, jwksUri: jwksServer.jwksUri, audience: AUDIENCE, algorithms: ["RS256"] };
  const cold = createGate({ ...settings, tokenCacheSize: 0 });
  const cached = createGate(settings);
  for (const t of tokens) checkScopes((await cached.verify(t)).scopes, { allOf: [SCOPE] }); // fills the cache
  await cold.verify(token()); // fetches the JWKS once

  const joseKeys = createLocalJWKSet({ keys: [key.publicJwk] });
  const jose = async () => {
    const { payload } = await jwtVerify(token(), joseKeys, {
      issuer,
      audience: AUDIENCE,
      algorithms: ["RS256"],
    });
    if (typeof payload.scope !== "string" || !payload.scope.split(" ").includes(SCOPE))
      throw new Error("scope");
  };

  // Auth0's official middleware, driven exactly as Express would drive it.
  const middleware = auth({
    issuer,
    jwksUri: jwksServer.jwksUri,
    audience: AUDIENCE,
    tokenSigningAlg: "RS256",
  });
  const scopeCheck = requiredScopes(SCOPE);
  type Next = (error?: unknown) => void;
  const express = () =>
    new Promise<void>((resolve, reject) => {
      const req = {
        headers: { authorization: `Bearer ${token()}`, host: "localhost" },
        query: {},
        body: undefined,
        method: "GET",
        protocol: "http",
        url: "/api/v1/widgets",
        originalUrl: "/api/v1/widgets",
        is: () => false,
        get: (name: string) => (name.toLowerCase() === "host" ? "localhost" : undefined),
      };
      const res = {};
      const done: Next = (error) => (error ? reject(error) : resolve());
      (middleware as (req: unknown, res: unknown, next: Next) => void)(req, res, (error?: unknown) => {
        if (error) return done(error);
        (scopeCheck as (req: unknown, res: unknown, next: Next) => void)(req, res, done);
      });
    });
  await express(); // fetches the JWKS once

  // API keys: 256 of them in a real database, verified as the gate does.
  const database = await createMigratedDatabase();
  const { id: customerId } = await database.db.customer.create({ data: { email: "bench@example.com" } });
  const apiKeys = Array.from({ length: 256 }, () => generateApiKey("test"));
  await database.db.apiKey.createMany({
    data: apiKeys.map(({ prefix, hash }, index) => ({
      customerId,
      name: `key ${index}`,
      prefix,
      hash,
      scopes: [SCOPE, "create:widgets"],
    })),
  });
  const keyVerifier = createApiKeyVerifier({
    environment: "test",
    lookup: (hash) => findApiKeyByHash(database.db, hash),
  });
  let nextKey = 0;
  const apiKey = () => (apiKeys[nextKey++ % apiKeys.length] as { key: string }).key;
  for (const { key: k } of apiKeys) await keyVerifier.verify(k); // fills the cache

  const perOp = await compareOps(
    [
      { name: "jose", op: jose, batch: 300 },
      {
        name: "tollgate_cold",
        op: async () => checkScopes((await cold.verify(token())).scopes, { allOf: [SCOPE] }),
        batch: 300,
      },
      {
        name: "tollgate_cached",
        op: async () => checkScopes((await cached.verify(token())).scopes, { allOf: [SCOPE] }),
        batch: 30_000,
      },
      { name: "express_oauth2_jwt_bearer", op: express, batch: 300 },
      {
        name: "api_key_cached",
        op: async () => checkScopes((await keyVerifier.verify(apiKey())).scopes, { allOf: [SCOPE] }),
        batch: 30_000,
      },
      {
        name: "api_key_uncached",
        op: async () =>
          checkScopes((await keyVerifier.verify(apiKey(), { fresh: true })).scopes, { allOf: [SCOPE] }),
        batch: 300,
      },
    ],
    25,
  );
  await Promise.all([jwksServer.close(), database.destroy()]);
  return perOp as Record<
    | "jose"
    | "tollgate_cold"
    | "tollgate_cached"
    | "express_oauth2_jwt_bearer"
    | "api_key_cached"
    | "api_key_uncached",
    number
  >;
}

interface Throughput {
  requests_per_s: number;
  p99_ms: number;
  non_2xx: number;
}

async function throughput() {
  const server = await startBenchServer();
  try {
    const tokenResponse = await fetch(`${loadConfig(server.env).gate.issuer}oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: "demo-reader",
        client_secret: "demo-reader-secret",
        audience: "https://api.tollgate.local/",
      }),
    });
    const { access_token: accessToken } = (await tokenResponse.json()) as { access_token: string };
    const routes = {
      unprotected: { path: "/api/bench/plain", headers: {} },
      empty_proxy: { path: "/api/bench/proxied", headers: {} },
      gated: { path: "/api/v1/me", headers: { authorization: `Bearer ${accessToken}` } },
    };
    const runs: Record<keyof typeof routes, Throughput[]> = { unprotected: [], empty_proxy: [], gated: [] };
    const names = Object.keys(routes) as Array<keyof typeof routes>;
    const blast = (name: keyof typeof routes, seconds: number) =>
      autocannon({
        url: `${server.url}${routes[name].path}`,
        headers: routes[name].headers,
        connections: 16,
        duration: seconds,
      });
    for (const name of names) await blast(name, 3); // warm-up: compile paths, JIT, caches
    const rounds = 5;
    for (let round = 0; round < rounds; round++) {
      for (let index = 0; index < names.length; index++) {
        const name = names[(index + round) % names.length] as keyof typeof routes;
        const result = await blast(name, 6);
        runs[name].push({
          requests_per_s: result.requests.average,
          p99_ms: result.latency.p99,
          non_2xx: result.non2xx,
        });
      }
    }
    const summary = (name: keyof typeof routes): Throughput => ({
      requests_per_s: median(runs[name].map((r) => r.requests_per_s)),
      p99_ms: median(runs[name].map((r) => r.p99_ms)),
      non_2xx: runs[name].reduce((sum, r) => sum + r.non_2xx, 0),
    });
    return {
      unprotected: summary("unprotected"),
      empty_proxy: summary("empty_proxy"),
      gated: summary("gated"),
      runs,
    };
  } finally {
    await server.close();
  }
}

/** Runs the gate benchmark. */
export async function benchGate(): Promise<AreaResult> {
  const perOp = await verifyCosts();
  const http = await throughput();
  const ratios = {
    gated_vs_empty_proxy: http.gated.requests_per_s / http.empty_proxy.requests_per_s,
    empty_proxy_vs_unprotected: http.empty_proxy.requests_per_s / http.unprotected.requests_per_s,
    cached_verify_speedup_vs_express_jwt_bearer: perOp.express_oauth2_jwt_bearer / perOp.tollgate_cached,
    cold_verify_vs_jose: perOp.tollgate_cold / perOp.jose,
    api_key_cached_vs_jwt_cached: perOp.api_key_cached / perOp.tollgate_cached,
    api_key_uncached_vs_jwt_cold: perOp.api_key_uncached / perOp.tollgate_cold,
  };
  return {
    area: "gate",
    results: { verify_us_per_op: perOp, http },
    ratios,
    table: [
      ["verify+scope: plain jose", perOp.jose, "µs/op"],
      ["verify+scope: Tollgate cold", perOp.tollgate_cold, "µs/op"],
      ["verify+scope: Tollgate cached", perOp.tollgate_cached, "µs/op"],
      ["verify+scope: express-oauth2-jwt-bearer", perOp.express_oauth2_jwt_bearer, "µs/op"],
      ["API key verify+scope: cached", perOp.api_key_cached, "µs/op"],
      ["API key verify+scope: uncached (one database read)", perOp.api_key_uncached, "µs/op"],
      ["HTTP unprotected route", http.unprotected.requests_per_s, "req/s"],
      ["HTTP same route, empty proxy", http.empty_proxy.requests_per_s, "req/s"],
      ["HTTP gated GET /api/v1/me", http.gated.requests_per_s, "req/s"],
      ["p99 unprotected", http.unprotected.p99_ms, "ms"],
      ["p99 empty proxy", http.empty_proxy.p99_ms, "ms"],
      ["p99 gated", http.gated.p99_ms, "ms"],
      [
        "non-2xx answers (all runs)",
        http.unprotected.non_2xx + http.empty_proxy.non_2xx + http.gated.non_2xx,
        "count",
      ],
    ],
    targets: [
      {
        name: "gated ≥ 0.9 × empty proxy",
        ok: ratios.gated_vs_empty_proxy >= 0.9,
        detail: ratios.gated_vs_empty_proxy.toFixed(3),
      },
      {
        name: "cached verify ≥ 5× faster than express-oauth2-jwt-bearer",
        ok: ratios.cached_verify_speedup_vs_express_jwt_bearer >= 5,
        detail: ratios.cached_verify_speedup_vs_express_jwt_bearer.toFixed(1),
      },
      {
        name: "cached API key verify < 50 µs",
        ok: perOp.api_key_cached < 50,
        detail: perOp.api_key_cached.toFixed(2),
      },
      {
        name: "cold verify ≤ 1.2 × plain jose",
        ok: ratios.cold_verify_vs_jose <= 1.2,
        detail: ratios.cold_verify_vs_jose.toFixed(3),
      },
    ],
  };
}
