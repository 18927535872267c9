/**
 * `curl -u client_id:client_secret` against the API: the real proxy logic (lib/api/admit-request.ts)
 * exchanges HTTP Basic client credentials at the real local issuer on loopback, verifies the token like
 * any bearer token, and the real route handler answers from a real database. Exchanges are counted at
 * the wire: a spy on the global fetch that still calls it, counting POSTs to the token endpoint.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi, type MockInstance } from "vitest";
import { createDemoIssuer } from "@/dev/demo-tenant";
import type { LocalIssuer } from "@tollgate/local-auth0";
import type { Database } from "@/lib/db";
import { resetProcessState } from "@/lib/process-state";
import { callApi, loadApp, type App, type SplitProcesses } from "./app-harness";
import { givePlan } from "./fixtures";
import { createMigratedDatabase, type TestDatabase } from "./database";
import { setAppDatabase } from "./process-state";

const AUDIENCE = "https://api.basic-exchange.test/";
const READER = { id: "basic-reader", secret: "basic-reader-secret-0123456789" };
const OTHER = { id: "basic-other", secret: "basic-other-secret-0123456789" };

let issuer: LocalIssuer;
let database: TestDatabase & { db: Database };
let fetchSpy: MockInstance<typeof fetch>;
let modules: App;

/**
 * The app as a new process with `env` would load it: a fresh gate, rate limits and caches. The
 * budgets' counts on PostgreSQL outlive a process, as they must across instances: each test starts
 * them from zero, as on a new database.
 */
async function loadAppWith(env: Record<string, string> = {}): Promise<App> {
  await database.db.$executeRawUnsafe(
    "DO $$ BEGIN IF to_regclass('rate_limits') IS NOT NULL THEN DELETE FROM rate_limits; END IF; END $$",
  );
  vi.stubEnv("GATE_BASIC_EXCHANGE", "");
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return loadApp();
}

beforeAll(async () => {
  const seed = (client: typeof READER) => ({
    client_id: client.id,
    client_secret: client.secret,
    name: client.id,
    app_type: "non_interactive" as const,
    grant_types: ["client_credentials"],
    grants: [{ audience: AUDIENCE, scope: ["get:widgets"] }],
  });
  issuer = await createDemoIssuer({ port: 0, audience: AUDIENCE, clients: [seed(READER), seed(OTHER)] });
  database = await createMigratedDatabase();
  const customer = await database.db.customer.create({ data: { email: "basic-owner@example.com" } });
  // More calls than Free allows per second: these tests are about the gate, not the plan.
  await givePlan(database.db, customer.id, "scale");
  for (const client of [READER, OTHER]) {
    await database.db.apiClient.create({
      data: { clientId: client.id, customerId: customer.id, name: client.id, scopes: ["get:widgets"] },
    });
  }

  vi.stubEnv("AUTH0_ISSUER", issuer.url);
  vi.stubEnv("AUTH0_AUDIENCE", AUDIENCE);
  setAppDatabase(database.db);
  fetchSpy = vi.spyOn(globalThis, "fetch");
  modules = await loadAppWith();
});

afterAll(async () => {
  fetchSpy.mockRestore();
  vi.unstubAllEnvs();
  resetProcessState();
  await Promise.all([issuer.close(), database.destroy()]);
});

/** Token requests sent so far, counted at the global fetch. */
function exchanges(): number {
  return fetchSpy.mock.calls.filter(([input]) =>
    String(input instanceof Request ? input.url : input).endsWith("/oauth/token"),
  ).length;
}

/** What `curl -u id:secret` sends. */
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

/** Sends a request through the proxy logic and, when admitted, to the route handler, like Next does. */
const call = (authorization: string | undefined, method = "GET"): Promise<Response> =>
  callApi(modules, undefined, method, "/api/v1/widgets", { headers: authorization ? { authorization } : {} });

async function problemType(response: Response): Promise<unknown> {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  return ((await response.json()) as { type?: unknown }).type;
}

describe("HTTP Basic client credentials", () => {
  it("are exchanged for a token and reach the route handler (curl -u id:secret)", async () => {
    const before = exchanges();
    const response = await call(basic(READER.id, READER.secret));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: [], next_cursor: null });
    expect(exchanges() - before).toBe(1);
  });

  it("exchange once for 20 concurrent requests, and the token is reused for later requests", async () => {
    modules = await loadAppWith(); // a fresh process: empty caches
    const before = exchanges();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => call(basic(READER.id, READER.secret))),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(exchanges() - before).toBe(1);
    for (let i = 0; i < 5; i++) expect((await call(basic(READER.id, READER.secret))).status).toBe(200);
    expect(exchanges() - before).toBe(1);
  });

  it("are exchanged once when the proxy and the handler run in separate processes (Vercel)", async () => {
    modules = await loadAppWith();
    const processes: SplitProcesses = {};
    const before = exchanges();
    for (let i = 0; i < 3; i++) {
      const response = await callApi(modules, undefined, "GET", "/api/v1/widgets", {
        headers: { authorization: basic(READER.id, READER.secret) },
        processes,
      });
      expect(response.status).toBe(200);
    }
    // The proxy hands the handler its token: the handler verifies it and never asks the issuer.
    expect(exchanges() - before).toBe(1);
    const handlerGate = processes.handler as { gate: { tokenCache: { size: number } | null } };
    expect(handlerGate.gate.tokenCache?.size).toBe(1);
  });

  it("get the same scopes check as a bearer token: 403 insufficient_scope for an operation not granted", async () => {
    const response = await call(basic(READER.id, READER.secret), "POST");
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toMatch(
      /error="insufficient_scope".*scope="create:widgets"/,
    );
    expect(await problemType(response)).toBe("https://tollgate.dev/problems/insufficient-scope");
  });

  it("with a wrong secret answer 401 invalid_token with a Basic and a Bearer challenge", async () => {
    const response = await call(basic(READER.id, "not-the-secret"));
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(
      /^Basic realm="api", Bearer realm="api", error="invalid_token", error_description="[^"]+"$/,
    );
    expect(await problemType(response)).toBe("https://tollgate.dev/problems/invalid-token");
  });

  it("that fail are not retried at the issuer for a few seconds", async () => {
    const before = exchanges();
    const responses = await Promise.all(Array.from({ length: 10 }, () => call(basic(OTHER.id, "wrong-1"))));
    for (let i = 0; i < 10; i++) responses.push(await call(basic(OTHER.id, "wrong-1")));
    expect(responses.every((response) => response.status === 401)).toBe(true);
    expect(exchanges() - before).toBe(1);
  });

  it("flooded with different wrong secrets for one client id reach the issuer a bounded number of times", async () => {
    modules = await loadAppWith();
    expect((await call(basic(READER.id, READER.secret))).status).toBe(200);
    const before = exchanges();
    const flood = await Promise.all(
      Array.from({ length: 100 }, (_, index) => call(basic(READER.id, `guess-${index}`))),
    );
    const statuses = new Set(flood.map((response) => response.status));
    expect([...statuses].every((status) => status === 401 || status === 429)).toBe(true);
    expect(exchanges() - before).toBeLessThanOrEqual(5);
    const throttled = flood.find((response) => response.status === 429);
    expect(Number(throttled?.headers.get("retry-after"))).toBeGreaterThan(0);
    // The owner's cached token keeps working during the flood.
    expect((await call(basic(READER.id, READER.secret))).status).toBe(200);
    expect(exchanges() - before).toBeLessThanOrEqual(5);
  });

  it("flooded with wrong secrets for a client id from one address, still work for its owner elsewhere", async () => {
    modules = await loadAppWith(); // no cached token: the owner's next call must reach the issuer
    const from = (address: string, authorization: string) =>
      callApi(modules, undefined, "GET", "/api/v1/widgets", {
        headers: { authorization, "x-forwarded-for": `${address}, 10.0.0.1` },
      });
    const before = exchanges();
    const flood = await Promise.all(
      Array.from({ length: 40 }, (_, index) => from("203.0.113.7", basic(READER.id, `guess-${index}`))),
    );
    expect(new Set(flood.map((response) => response.status))).toEqual(new Set([401, 429]));
    expect(exchanges() - before).toBeLessThanOrEqual(5);
    // The owner, from another address, has no cached token and is not held back by the flood.
    expect((await from("198.51.100.2", basic(READER.id, READER.secret))).status).toBe(200);
  });

  it("from one address with random client ids reach the issuer at most 30 times a minute", async () => {
    modules = await loadAppWith();
    const before = exchanges();
    const statuses: number[] = [];
    for (let index = 0; index < 45; index++) {
      const response = await callApi(modules, undefined, "GET", "/api/v1/widgets", {
        headers: { authorization: basic(`random-${index}`, "x"), "x-forwarded-for": "203.0.113.9" },
      });
      statuses.push(response.status);
    }
    expect(exchanges() - before).toBe(30);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
  });

  it("from many addresses reach the issuer no more often than GATE_BASIC_EXCHANGES_PER_MINUTE in all", async () => {
    modules = await loadAppWith({ GATE_BASIC_EXCHANGES_PER_MINUTE: "12" });
    const before = exchanges();
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        callApi(modules, undefined, "GET", "/api/v1/widgets", {
          headers: { authorization: basic(`spread-${index}`, "x"), "x-forwarded-for": `198.18.0.${index}` },
        }),
      ),
    );
    expect(exchanges() - before).toBe(12);
    const throttled = responses.filter((response) => response.status === 429);
    expect(throttled).toHaveLength(18);
    expect(Number(throttled[0]?.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("are not exchanged when GATE_BASIC_EXCHANGE=0: 401 with a Bearer challenge and no error code", async () => {
    modules = await loadAppWith({ GATE_BASIC_EXCHANGE: "0" });
    const before = exchanges();
    const response = await call(basic(READER.id, READER.secret));
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="api"');
    expect(exchanges()).toBe(before);
  });

  it("answer 503 with Retry-After when the issuer is unreachable", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    modules = await loadAppWith({ AUTH0_ISSUER: `http://127.0.0.1:${port}/` });
    const response = await call(basic(READER.id, READER.secret));
    expect(response.status).toBe(503);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await problemType(response)).toBe("https://tollgate.dev/problems/service-unavailable");
  });
});
