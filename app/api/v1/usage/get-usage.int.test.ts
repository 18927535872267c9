/**
 * GET /api/v1/usage through the real proxy admission and route handler on a real database (PGlite, or
 * PostgreSQL with DATABASE_URL): calls made with two API keys, a machine client and a person's token
 * are attributed to each, the figures by day are the billed counters', and every refusal answers
 * problem+json without showing another customer's usage.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "@/lib/api/openapi";
import { signTestToken } from "@/lib/gate/jwks-test-server";
import { recordUsage } from "@/lib/metering/record-usage";
import { API_CALLS_METER, getUsage, MAX_USAGE_DAYS } from "@/product/operations";
import { callApi, loadApp, startTestEnvironment, type App, type TestEnvironment } from "@/test/app-harness";
import { givePlan } from "@/test/fixtures";

const SCOPE = "read:usage";
let env: TestEnvironment;
let app: App;
let keys: typeof import("@/lib/auth/api-keys");

beforeAll(async () => {
  env = await startTestEnvironment("get-usage");
  app = await loadApp();
  keys = await import("@/lib/auth/api-keys");
});
afterAll(() => env?.close());

async function newCustomer(plan: "scale" | "free" = "scale"): Promise<string> {
  const id = (await env.db.customer.create({ data: { email: `${randomUUID()}@example.com` } })).id;
  if (plan !== "free") await givePlan(env.db, id, plan);
  return id;
}

const newKey = async (customerId: string, name: string, scopes = ["get:widgets", SCOPE]) =>
  keys.issueApiKey(env.db, customerId, { name, scopes });

/** A person's access token, as Auth0 issues one for the dashboard's audience. */
async function personToken(sub: string, scope: string): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return signTestToken(env.issuer.key, {
    iss: env.issuer.issuer,
    aud: env.issuer.audience,
    sub,
    azp: "dashboard",
    scope,
    iat,
    exp: iat + 600,
  });
}

async function usageOf(token: string, query = ""): Promise<Record<string, unknown>> {
  const response = await callApi(app, token, "GET", `/api/v1/usage${query}`);
  const body = (await response.json()) as Record<string, unknown>;
  expect(response.status, JSON.stringify(body)).toBe(200);
  expect(getUsage.response.schema.safeParse(body).success).toBe(true);
  return body;
}

async function expectProblem(response: Response, status: number, type: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  const body = (await response.json()) as { type: string; detail: string };
  expect(body.type).toBe(`https://tollgate.dev/problems/${type}`);
  return body;
}

const billedUnits = async (customerId: string) =>
  (await env.db.usageCounter.findMany({ where: { customerId } })).reduce(
    (sum, row) => sum + Number(row.units),
    0,
  );

const today = () => new Date().toISOString().slice(0, 10);

describe("GET /api/v1/usage by key", () => {
  it("attributes each call to the API key, machine client or person that made it", async () => {
    const customerId = await newCustomer();
    const first = await newKey(customerId, "billing server");
    const second = await newKey(customerId, 'reports, "nightly"');
    await env.db.apiClient.create({
      data: { clientId: "usage-client", customerId, name: "etl", scopes: ["get:widgets"] },
    });
    const machine = await env.issuer.machineToken("usage-client", { scope: `get:widgets ${SCOPE}` });
    const member = await env.db.user.create({
      data: { auth0UserId: "auth0|usage-person", email: "p@example.com", customerId },
    });
    await env.db.membership.create({ data: { userId: member.id, customerId, role: "developer" } });
    const person = await personToken("auth0|usage-person", `get:widgets ${SCOPE}`);

    const calls: [string, number][] = [
      [first.key, 3],
      [second.key, 2],
      [machine, 4],
      [person, 1],
    ];
    for (const [token, count] of calls) {
      for (let i = 0; i < count; i++) {
        const response = await callApi(app, token, "GET", "/api/v1/widgets");
        expect(response.status, await response.clone().text()).toBe(200);
      }
    }
    await env.db.apiKey.update({ where: { id: second.apiKey.id }, data: { revokedAt: new Date() } });

    const body = await usageOf(first.key, "?group_by=key");
    expect(body).toMatchObject({ group_by: "key", to: today(), total_units: 10 });
    expect(body.data).toEqual([
      {
        credential: "client:usage-client",
        kind: "client",
        id: "usage-client",
        name: "etl",
        prefix: null,
        revoked: false,
        meter: API_CALLS_METER,
        units: 4,
      },
      {
        credential: `key:${first.apiKey.id}`,
        kind: "key",
        id: first.apiKey.id,
        name: "billing server",
        prefix: first.apiKey.prefix,
        revoked: false,
        meter: API_CALLS_METER,
        units: 3,
      },
      {
        credential: `key:${second.apiKey.id}`,
        kind: "key",
        id: second.apiKey.id,
        name: 'reports, "nightly"',
        prefix: second.apiKey.prefix,
        revoked: true,
        meter: API_CALLS_METER,
        units: 2,
      },
      {
        credential: "user:auth0|usage-person",
        kind: "user",
        id: "auth0|usage-person",
        name: "p@example.com",
        prefix: null,
        revoked: false,
        meter: API_CALLS_METER,
        units: 1,
      },
    ]);
    // Reading usage is free: the four reads above and below bill nothing.
    expect(await billedUnits(customerId)).toBe(10);
    await usageOf(machine, "?group_by=key");
    expect(await billedUnits(customerId)).toBe(10);
  });

  it("never shows another customer's usage, whoever asks", async () => {
    const mine = await newCustomer();
    const theirs = await newCustomer();
    const myKey = await newKey(mine, "mine");
    const theirKey = await newKey(theirs, "theirs");
    for (let i = 0; i < 2; i++)
      expect((await callApi(app, myKey.key, "GET", "/api/v1/widgets")).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      expect((await callApi(app, theirKey.key, "GET", "/api/v1/widgets")).status).toBe(200);
    }
    for (const query of ["?group_by=key", "?group_by=day", `?from=${today()}&to=${today()}&group_by=key`]) {
      const body = await usageOf(myKey.key, query);
      expect(body.total_units).toBe(2);
      expect(JSON.stringify(body)).not.toContain(theirKey.apiKey.id);
      expect((await usageOf(theirKey.key, query)).total_units).toBe(5);
    }
  });
});

describe("GET /api/v1/usage by day", () => {
  it("answers the billed counters' sums per UTC day, which the per-credential sums equal", async () => {
    const customerId = await newCustomer();
    const { key } = await newKey(customerId, "days");
    const periodStart = new Date("2026-10-31T18:30:00Z");
    // Across midnight, a period boundary inside an hour, two meters and three credentials.
    const usage: [string, string, string, number][] = [
      ["2026-10-30T23:59:59Z", "key:a", API_CALLS_METER, 4],
      ["2026-10-31T18:10:00Z", "key:a", API_CALLS_METER, 1],
      ["2026-10-31T18:40:00Z", "client:b", API_CALLS_METER, 2],
      ["2026-10-31T23:59:59.999Z", "user:c", API_CALLS_METER, 8],
      ["2026-11-01T00:00:00Z", "key:a", API_CALLS_METER, 16],
      ["2026-11-01T00:00:00Z", "key:a", "other_meter", 32],
    ];
    await Promise.all(
      usage.map(([at, credential, meter, units]) =>
        recordUsage(env.db, {
          customerId,
          meter,
          units,
          at: new Date(at),
          periodStart: new Date(at) < periodStart ? new Date("2026-09-30T18:30:00Z") : periodStart,
          credential,
        }),
      ),
    );

    const body = await usageOf(key, "?from=2026-10-30&to=2026-11-01");
    expect(body).toEqual({
      group_by: "day",
      from: "2026-10-30",
      to: "2026-11-01",
      total_units: 63,
      data: [
        { date: "2026-10-30", meter: API_CALLS_METER, units: 4 },
        { date: "2026-10-31", meter: API_CALLS_METER, units: 11 },
        { date: "2026-11-01", meter: API_CALLS_METER, units: 16 },
        { date: "2026-11-01", meter: "other_meter", units: 32 },
      ],
    });
    const counters = await env.db.$queryRaw<{ day: string; meter: string; units: bigint }[]>`
      SELECT to_char(window_start AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, meter, sum(units)::bigint AS units
      FROM usage_counters WHERE customer_id = ${customerId}::uuid GROUP BY 1, 2 ORDER BY 1, 2`;
    const attributed = await env.db.$queryRaw<{ day: string; meter: string; units: bigint }[]>`
      SELECT to_char(day, 'YYYY-MM-DD') AS day, meter, sum(units)::bigint AS units
      FROM credential_usage WHERE customer_id = ${customerId}::uuid GROUP BY 1, 2 ORDER BY 1, 2`;
    expect(attributed).toEqual(counters);
    expect(counters.map((row) => ({ date: row.day, meter: row.meter, units: Number(row.units) }))).toEqual(
      body.data,
    );
    // One day: only its units.
    expect((await usageOf(key, "?from=2026-10-31&to=2026-10-31")).total_units).toBe(11);
  });

  it("defaults to the current billing period up to today, by day, on every plan", async () => {
    const customerId = await newCustomer("free");
    const { key } = await newKey(customerId, "free", [SCOPE, "get:widgets"]);
    expect((await callApi(app, key, "GET", "/api/v1/widgets")).status).toBe(200);
    const before = today();
    const body = await usageOf(key);
    // Free periods are calendar months (UTC); `to` is today, whichever side of midnight it ran.
    expect([before, today()]).toContain(body.to);
    const to = String(body.to);
    expect(body).toEqual({
      group_by: "day",
      from: `${to.slice(0, 8)}01`,
      to,
      total_units: 1,
      data: [{ date: to, meter: API_CALLS_METER, units: 1 }],
    });
  });
});

describe("GET /api/v1/usage refuses", () => {
  let key: string;
  beforeAll(async () => {
    key = (await newKey(await newCustomer(), "refusals")).key;
  });

  it.each([
    ["a date that is not one", "?from=2026-02-30&to=2026-03-01", /query\.from/],
    ["a date in another format", "?from=2026/11/01&to=2026-11-02", /query\.from/],
    ["a to before its from", "?from=2026-11-02&to=2026-11-01", /to is before from/],
    [
      "a range over the maximum",
      `?from=2026-01-01&to=${new Date(Date.parse("2026-01-01") + MAX_USAGE_DAYS * 86_400_000).toISOString().slice(0, 10)}`,
      new RegExp(`ask for ${MAX_USAGE_DAYS} at most`),
    ],
    ["a from without a to", "?from=2026-11-01", /give both from and to/],
    ["a to without a from", "?to=2026-11-01", /give both from and to/],
    ["an unknown grouping", "?group_by=hour", /query\.group_by/],
    ["an unknown parameter", "?customer_id=someone-else", /customer_id/],
  ])("%s with 400 invalid-request", async (_name, query, detail) => {
    const body = await expectProblem(
      await callApi(app, key, "GET", `/api/v1/usage${query}`),
      400,
      "invalid-request",
    );
    expect(body.detail).toMatch(detail);
  });

  it(`the full ${MAX_USAGE_DAYS} days are allowed`, async () => {
    const to = new Date(Date.parse("2026-01-01") + (MAX_USAGE_DAYS - 1) * 86_400_000)
      .toISOString()
      .slice(0, 10);
    expect((await usageOf(key, `?from=2026-01-01&to=${to}`)).to).toBe(to);
  });

  it("a key without read:usage, with 403 insufficient-scope", async () => {
    const customerId = await newCustomer();
    const { key: readOnly } = await newKey(customerId, "widgets only", ["get:widgets"]);
    const response = await callApi(app, readOnly, "GET", "/api/v1/usage");
    await expectProblem(response, 403, "insufficient-scope");
    expect(response.headers.get("www-authenticate")).toMatch(
      /error="insufficient_scope".*scope="read:usage"/,
    );
    const machine = await env.issuer.machineToken("nobody", { scope: "get:widgets" });
    await expectProblem(await callApi(app, machine, "GET", "/api/v1/usage"), 403, "insufficient-scope");
  });

  it("no token, with 401", async () => {
    await expectProblem(await callApi(app, undefined, "GET", "/api/v1/usage"), 401, "invalid-token");
  });
});

describe("the OpenAPI document", () => {
  it("documents getUsage with its scope, parameters and both answers", () => {
    const document = buildOpenApiDocument(app.catalog, {
      baseUrl: "https://tollgate.example.com",
      issuer: "https://tenant.auth0.com/",
      audience: "https://api.example.com/",
    });
    const described = document.paths["/api/v1/usage"]?.get as {
      security: unknown;
      parameters: { name: string }[];
    };
    expect(described.security).toEqual([{ auth0: [SCOPE] }, { apiKey: [SCOPE] }]);
    expect(described.parameters.map((parameter) => parameter.name)).toEqual(["from", "to", "group_by"]);
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(["Usage", "UsageByDay", "UsageByKey"]),
    );
  });
});
