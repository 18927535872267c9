/**
 * The issuer's JWKS endpoint becomes unreachable, through the real proxy (proxy.ts), gate and route
 * handlers on a real database: cached keys keep admitting tokens up to GATE_JWKS_MAX_AGE_SECONDS after
 * the last good fetch, then every call is refused with a 503 problem until the issuer is back, and
 * bursts of concurrent calls, during the outage and at recovery, cost the issuer one request per
 * cooldown at most. lib/gate/jwks-cache.int.test.ts covers the cache alone; this covers the app.
 *
 * The gate runs on a frozen clock moved by the test (hours pass in milliseconds): it is the app's own
 * gate (createGate with the app's configuration), given a clock, placed where the app keeps its gate.
 */
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { gateKey } from "@/lib/api/authenticate-call";
import type { Gate } from "@/lib/gate";
import { setProcessSingleton } from "@/lib/process-state";
import { loadApp, routeOf, startTestEnvironment, TEST_BASE_URL, type TestEnvironment } from "../app-harness";
import { TEST_BACKEND } from "../database";
import { givePlan } from "../fixtures";
import type { TestIssuer } from "../test-issuer";

const CLIENT_ID = "jwks-outage-client";
const BURST = 150;

let env: TestEnvironment;
let issuer: TestIssuer;
let customerId: string;
let gate: Gate;
let app: Awaited<ReturnType<typeof loadAppOnTestClock>>;
const clock = { now: Date.now() };
const T0 = clock.now;
let config: { refresh: number; cooldown: number; maxAge: number };

/** The app with the gate it would build itself, but on the test's clock. */
async function loadAppOnTestClock() {
  const modules = await loadApp();
  const { getConfig } = await import("@/lib/config");
  const { createApiKeyVerifier, createGate } = await import("@/lib/gate");
  const { log } = await import("@/lib/log");
  const gateConfig = getConfig().gate;
  config = {
    refresh: gateConfig.jwksRefreshSeconds * 1000,
    cooldown: gateConfig.jwksCooldownSeconds * 1000,
    maxAge: gateConfig.jwksMaxAgeSeconds * 1000,
  };
  gate = createGate({
    ...gateConfig,
    now: () => clock.now,
    onJwksFetchError: (error) => log.error("gate.jwks_fetch_failed", { error: error.message }),
  });
  // Where lib/api/authenticate-call.ts keeps the process's gate (it builds the same one, clockless).
  setProcessSingleton(gateKey, {
    gate,
    basicExchange: null,
    tokenCookie: undefined,
    apiKeys: createApiKeyVerifier({ environment: "test", lookup: () => Promise.resolve(null) }),
  });
  return { ...modules, proxy: (await import("@/proxy")).proxy };
}

beforeAll(async () => {
  env = await startTestEnvironment("jwks-outage-key");
  issuer = env.issuer;
  const customer = await env.db.customer.create({ data: { email: "jwks-outage@example.com" } });
  customerId = customer.id;
  await givePlan(env.db, customerId, "scale");
  await env.db.apiClient.create({ data: { clientId: CLIENT_ID, customerId, name: "CI", scopes: [] } });
  // The bursts below are about the issuer, not the plan's rate limit.
  vi.stubEnv("RATE_LIMIT_SCALE", "100");
  app = await loadAppOnTestClock();
});

afterAll(() => env?.close());

/** A token valid for the whole simulated day; each has its own `jti`, so none is a cache hit. */
function newToken(): Promise<string> {
  return issuer.machineToken(CLIENT_ID, {
    scope: "get:widgets",
    jti: crypto.randomUUID(),
    iat: Math.floor(T0 / 1000),
    ttl: 24 * 3600,
  });
}

/** GET /api/v1/widgets through the proxy and, when admitted, the route handler, as Next runs them. */
async function call(token: string): Promise<Response> {
  const init = { headers: { authorization: `Bearer ${token}` } };
  const gateAnswer = await app.proxy(new NextRequest(`${TEST_BASE_URL}/api/v1/widgets`, init));
  if (gateAnswer.headers.get("x-middleware-next") !== "1") return gateAnswer;
  return routeOf(app, "GET", "/api/v1/widgets").handler(
    new Request(`${TEST_BASE_URL}/api/v1/widgets`, init),
    {},
  );
}

let served = 0;

/**
 * Half the burst reuses one token (verified-token cache hits), half brings new tokens (full
 * verification, a key lookup each), all at once. Returns the statuses and the JWKS requests it caused.
 */
async function burst(cachedToken: string): Promise<{ statuses: number[]; fetches: number }> {
  const fresh = await Promise.all(Array.from({ length: BURST / 2 }, newToken));
  const before = issuer.requests;
  const responses = await Promise.all([
    ...Array.from({ length: BURST / 2 }, () => call(cachedToken)),
    ...fresh.map((token) => call(token)),
  ]);
  await gate.jwks.settled(); // a background refresh counts too
  const statuses = responses.map((response) => response.status);
  served += statuses.filter((status) => status === 200).length;
  for (const response of responses.filter((r) => r.status === 503)) {
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(response.headers.get("www-authenticate")).toBeNull(); // not the token's fault
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await response.json()).toMatchObject({
      type: "https://tollgate.dev/problems/service-unavailable",
      status: 503,
    });
  }
  return { statuses, fetches: issuer.requests - before };
}

const all = (status: number) => Array<number>(BURST).fill(status);

describe(`the issuer's JWKS unreachable, through the app on ${TEST_BACKEND}`, () => {
  it(
    "cached keys serve up to their maximum age, then 503 until the issuer is back; one fetch per cooldown at most",
    { timeout: 120_000 },
    async () => {
      const cachedToken = await newToken();
      expect((await call(cachedToken)).status).toBe(200);
      served += 1;
      expect(issuer.requests).toBe(1);
      const lastGoodFetch = clock.now;

      // Connections reset: every fetch fails at once. Past the refresh period, each burst starts one
      // background refresh (the cooldown has passed each time) and is served from the cached keys.
      issuer.mode = "reset";
      for (const at of [config.refresh, config.maxAge / 4, config.maxAge / 2, config.maxAge]) {
        clock.now = lastGoodFetch + at;
        expect(await burst(cachedToken), `at ${at / 1000} s`).toEqual({ statuses: all(200), fetches: 1 });
      }
      expect(gate.jwks.stats()).toMatchObject({ lastSuccessAt: lastGoodFetch, failures: 4 });

      // Past the maximum age, within the cooldown of the last attempt: refused without asking the issuer.
      clock.now = lastGoodFetch + config.maxAge + 1_000;
      expect(await burst(cachedToken)).toEqual({ statuses: all(503), fetches: 0 });

      // The issuer now accepts connections and never answers: the whole burst waits on one fetch,
      // which times out, and is refused.
      issuer.mode = "hang";
      clock.now += config.cooldown;
      expect(await burst(cachedToken)).toEqual({ statuses: all(503), fetches: 1 });

      // Back: the first burst after the cooldown refetches once, and everything is served again.
      issuer.mode = "up";
      clock.now += config.cooldown;
      expect(await burst(cachedToken)).toEqual({ statuses: all(200), fetches: 1 });
      expect(gate.jwks.stats().lastSuccessAt).toBe(clock.now);
      expect(await burst(cachedToken)).toEqual({ statuses: all(200), fetches: 0 });

      // Only served calls were metered.
      const counters = await env.db.usageCounter.findMany({ where: { customerId } });
      expect(counters.reduce((sum, row) => sum + Number(row.units), 0)).toBe(served);
      console.info(
        `JWKS outage on ${TEST_BACKEND}: bursts of ${BURST} calls served from cached keys up to the ` +
          `maximum age (${config.maxAge / 1000} s), then 503; ${issuer.requests} JWKS requests in all; ` +
          `${served} calls served and metered.`,
      );
    },
  );
});
