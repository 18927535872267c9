/**
 * API keys through the whole gate: the real proxy admission and route handlers on a real database
 * (PGlite, or PostgreSQL with DATABASE_URL), keys made and revoked by the dashboard's own functions
 * (lib/auth/api-keys.ts). Every refusal asserts its status, challenge and problem type.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callApi, loadApp, startTestEnvironment, type App, type TestEnvironment } from "./app-harness";
import { givePlan } from "./fixtures";

let env: TestEnvironment;
let app: App;
let keys: typeof import("@/lib/auth/api-keys");
let customerId: string;

beforeAll(async () => {
  env = await startTestEnvironment("api-keys");
  app = await loadApp();
  keys = await import("@/lib/auth/api-keys");
  customerId = (await env.db.customer.create({ data: { email: "key-owner@example.com" } })).id;
  // More calls a second than Free allows: these tests are about keys, not the plan's rate.
  await givePlan(env.db, customerId, "scale");
});

afterAll(() => env?.close());

async function newKey(
  request: Partial<import("@/lib/auth/api-keys").ApiKeyRequest> = {},
  owner = customerId,
) {
  return keys.issueApiKey(env.db, owner, { name: "server", scopes: ["get:widgets"], ...request });
}

const call = (key: string | undefined, method = "GET", path = "/api/v1/widgets", body?: unknown) =>
  callApi(app, key, method, path, { body });

async function expectRefused(
  response: Response,
  expected: { status: number; type: string; challenge?: RegExp },
): Promise<Record<string, unknown>> {
  expect(response.status).toBe(expected.status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const body = (await response.json()) as Record<string, unknown>;
  expect(body.type).toBe(`https://tollgate.dev/problems/${expected.type}`);
  if (expected.challenge) expect(response.headers.get("www-authenticate")).toMatch(expected.challenge);
  return body;
}

const INVALID_TOKEN = {
  status: 401,
  type: "invalid-token",
  challenge: /^Bearer realm="api", error="invalid_token"/,
};

/** Waits for a write made after the answer (`afterResponse`) to land. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const value = await read();
    if (done(value) || attempt >= 50) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("a valid API key", () => {
  it("is admitted by the proxy and the handler, as its customer, with its scopes", async () => {
    const { key, apiKey } = await newKey();
    expect(key).toMatch(/^tg_test_[0-9A-Za-z]{43}$/);
    const response = await call(key, "GET", "/api/v1/me");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      subject: `key:${apiKey.id}`,
      kind: "key",
      client_id: null,
      customer_id: customerId,
      scopes: ["get:widgets"],
    });
    expect((await call(key)).status).toBe(200);
  });

  it("is stored only as its hash and visible start", async () => {
    const { key, apiKey } = await newKey();
    const row = await env.db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
    expect(JSON.stringify(row)).not.toContain(key.slice(16));
    expect(key.startsWith(row.prefix)).toBe(true);
  });

  it("has its last use recorded", async () => {
    const { key, apiKey } = await newKey();
    const before = Date.now();
    expect((await call(key)).status).toBe(200);
    const row = await eventually(
      () => env.db.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } }),
      (value) => value.lastUsedAt !== null,
    );
    expect(row.lastUsedAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it("has its calls metered to its customer", async () => {
    const owner = (await env.db.customer.create({ data: { email: "metered-key@example.com" } })).id;
    await givePlan(env.db, owner, "scale");
    const { key } = await newKey({}, owner);
    for (let i = 0; i < 3; i++) expect((await call(key)).status).toBe(200);
    expect((await call(key, "GET", "/api/v1/me")).status).toBe(200); // free: no units
    const counters = await env.db.usageCounter.findMany({ where: { customerId: owner } });
    expect(counters.reduce((sum, row) => sum + Number(row.units), 0)).toBe(3);
  });
});

describe("the gate refuses", () => {
  it("a key that was never issued, with the challenge of an invalid token", async () => {
    const body = await expectRefused(await call(`tg_test_${"A".repeat(43)}`), INVALID_TOKEN);
    expect(body.detail).toMatch(/API key is not valid/);
  });

  it.each([
    ["tg_ garbage", "tg_garbage"],
    ["a key one character short", `tg_test_${"A".repeat(42)}`],
    ["a live key in a test environment", `tg_live_${"A".repeat(43)}`],
  ])("a malformed key: %s", async (_name, key) => {
    await expectRefused(await call(key), INVALID_TOKEN);
  });

  it("a revoked key on its very next call, although the proxy's cache still holds it", async () => {
    const { key, apiKey } = await newKey();
    expect((await call(key)).status).toBe(200); // the proxy's cache now holds the key
    // Revoked as another instance would: no message reaches this one.
    await env.db.apiKey.update({ where: { id: apiKey.id }, data: { revokedAt: new Date() } });
    await expectRefused(await call(key), INVALID_TOKEN);
  });

  it("a key revoked from the dashboard, at the proxy already", async () => {
    const { key, apiKey } = await newKey();
    expect((await call(key)).status).toBe(200);
    await keys.revokeApiKey(env.db, customerId, apiKey.id);
    const admission = await app.admitRequest(
      new Request("http://localhost:3000/api/v1/widgets", { headers: { authorization: `Bearer ${key}` } }),
    );
    expect(admission.admitted).toBe(false);
    await expectRefused(await call(key), INVALID_TOKEN);
  });

  it("an expired key", async () => {
    const { key, apiKey } = await newKey({ expiresInDays: 1 });
    expect((await call(key)).status).toBe(200);
    await env.db.apiKey.update({ where: { id: apiKey.id }, data: { expiresAt: new Date(Date.now() - 1) } });
    const body = await expectRefused(await call(key), INVALID_TOKEN);
    expect(body.detail).toMatch(/expired/);
  });

  it("a key without the operation's scope: 403 insufficient_scope naming it", async () => {
    const { key } = await newKey({ scopes: ["get:widgets"] });
    const response = await call(key, "POST", "/api/v1/widgets", { name: "w", color: "#112233", size_cm: 3 });
    const body = await expectRefused(response, {
      status: 403,
      type: "insufficient-scope",
      challenge: /error="insufficient_scope".*scope="create:widgets"/,
    });
    expect(body.required_scopes).toEqual(["create:widgets"]);
  });

  it("another customer's widgets to a key: they are not found", async () => {
    const other = (await env.db.customer.create({ data: { email: "key-victim@example.com" } })).id;
    const theirs = await env.db.widget.create({
      data: { customerId: other, name: "theirs", color: "#000000", sizeCm: 1 },
    });
    const { key } = await newKey();
    await expectRefused(await call(key, "GET", `/api/v1/widgets/${theirs.id}`), {
      status: 404,
      type: "not-found",
    });
  });

  it("calls over the key's own rate with 429 and its RateLimit headers, while the plan's is far off", async () => {
    const { key } = await newKey({ rateLimitPerSecond: 2 });
    const responses = await Promise.all(Array.from({ length: 5 }, () => call(key)));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200).length).toBeLessThanOrEqual(2);
    const refused = responses.find((response) => response.status === 429);
    if (!refused) throw new Error(`no 429 among ${statuses.join(", ")}`);
    const body = await expectRefused(refused, { status: 429, type: "rate-limited" });
    expect(body.detail).toMatch(/This API key allows 2 calls per second/);
    expect(refused.headers.get("ratelimit-policy")).toBe('"api-key";q=2;w=1');
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Another key of the same customer is not held back by it.
    expect((await call((await newKey()).key)).status).toBe(200);
  });
});

describe("the dashboard's key functions", () => {
  it("offer only the scopes the customer's plan grants, and refuse others", async () => {
    const free = (await env.db.customer.create({ data: { email: "free-keys@example.com" } })).id;
    expect(await keys.keyScopesFor(env.db, free)).toEqual(["get:widgets", "read:usage"]);
    await expect(
      keys.issueApiKey(env.db, free, { name: "x", scopes: ["get:widgets", "create:widgets"] }),
    ).rejects.toMatchObject({ code: "ERR_SCOPE_NOT_IN_PLAN" });
  });

  it("never revoke another customer's key, and answer it as one that does not exist", async () => {
    const { key, apiKey } = await newKey();
    const other = (await env.db.customer.create({ data: { email: "key-thief@example.com" } })).id;
    await expect(keys.revokeApiKey(env.db, other, apiKey.id)).rejects.toMatchObject({
      code: "ERR_KEY_NOT_FOUND",
    });
    expect((await keys.listApiKeys(env.db, other)).map((row) => row.id)).toEqual([]);
    expect((await call(key)).status).toBe(200);
  });

  it("stop at the cap of active keys", async () => {
    const owner = (await env.db.customer.create({ data: { email: "many-keys@example.com" } })).id;
    for (let i = 0; i < keys.MAX_KEYS_PER_CUSTOMER; i++) await newKey({}, owner);
    await expect(newKey({}, owner)).rejects.toMatchObject({ code: "ERR_TOO_MANY_KEYS" });
    const [first] = await keys.listApiKeys(env.db, owner);
    await keys.revokeApiKey(env.db, owner, first?.id ?? "");
    await expect(newKey({}, owner)).resolves.toBeDefined();
  });
});

describe("the demo key npm run dev seeds", () => {
  it("calls the API as Alice's customer, stored by hash once however often it is seeded", async () => {
    const { DEMO_API_KEY } = await import("@/dev/demo-data");
    const { seedDemoApiKey, seedDemoData } = await import("@/dev/seed-database");
    await seedDemoData(env.db);
    await seedDemoApiKey(env.db);
    await seedDemoApiKey(env.db);

    const alice = await env.db.customer.findUniqueOrThrow({ where: { email: "alice@example.com" } });
    const stored = await keys.listApiKeys(env.db, alice.id);
    expect(stored.map(({ prefix, hash, scopes }) => ({ prefix, hash, scopes }))).toEqual([
      {
        prefix: "tg_test_LocalDem",
        hash: createHash("sha256").update(DEMO_API_KEY.key).digest("hex"),
        scopes: ["get:widgets", "read:usage"],
      },
    ]);
    expect((await call(DEMO_API_KEY.key)).status).toBe(200);
  });

  it("is active again at the next seed (the next npm run dev) after a revocation on the dashboard", async () => {
    const { seedDemoApiKey } = await import("@/dev/seed-database");
    const alice = await env.db.customer.findUniqueOrThrow({ where: { email: "alice@example.com" } });
    const [demoKey] = await keys.listApiKeys(env.db, alice.id);
    await keys.revokeApiKey(env.db, alice.id, demoKey?.id ?? "");
    await seedDemoApiKey(env.db);
    expect(await env.db.apiKey.findMany({ where: { customerId: alice.id } })).toEqual([
      expect.objectContaining({ id: demoKey?.id, revokedAt: null }),
    ]);
  });
});
