/**
 * Plans held at the door, through the real proxy logic and route handlers on a real database: the plan
 * must include the operation (402), the call must fit the rate limit (429 + RateLimit headers) and a
 * capped quota (429, exact under concurrency), and only answered calls are metered.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { calendarMonth } from "@/lib/metering/usage-window";
import { rateLimitersKey } from "@/lib/metering/rate-limit";
import { resetProcessState } from "@/lib/process-state";
import { callApi, loadApp, startTestEnvironment, type App, type TestEnvironment } from "./app-harness";
import { givePlan } from "./fixtures";

let env: TestEnvironment;
let app: App;

beforeAll(async () => {
  env = await startTestEnvironment("plan-key");
  app = await loadApp();
});
afterAll(() => env?.close());
beforeEach(() => resetProcessState(rateLimitersKey));

/** A customer with a machine client whose tokens carry every scope. */
async function machineCustomer(name: string): Promise<{ customerId: string; token: string }> {
  const customer = await env.db.customer.create({ data: { email: `${name}@example.com` } });
  await env.db.apiClient.create({ data: { clientId: name, customerId: customer.id, name, scopes: [] } });
  return { customerId: customer.id, token: await env.issuer.machineToken(name) };
}

const call = (token: string, method: "GET" | "POST", path = "/api/v1/widgets", body?: unknown) =>
  callApi(app, token, method, path, { body });

const unitsOf = async (customerId: string) =>
  (await env.db.usageCounter.findMany({ where: { customerId } })).reduce(
    (sum, row) => sum + Number(row.units),
    0,
  );

describe("plans at the door", () => {
  it("refuses an operation the plan does not include with 402, distinct from a missing scope", async () => {
    const { token } = await machineCustomer("free-writer");
    const response = await call(token, "POST", "/api/v1/widgets", { name: "x", size_cm: 1 });
    expect(response.status).toBe(402);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: "https://tollgate.dev/problems/subscription-required",
      plan: "free",
      required_features: ["create:widgets"],
    });
    expect(String(body.upgrade_url)).toMatch(/\/dashboard\/billing$/);
    expect(response.headers.get("www-authenticate")).toBeNull();
  });

  it("admits the same operation once the customer's plan includes it, and meters it", async () => {
    const { customerId, token } = await machineCustomer("pro-writer");
    await givePlan(env.db, customerId, "pro");
    const response = await call(token, "POST", "/api/v1/widgets", { name: "Cog", size_cm: 2 });
    expect(response.status).toBe(201);
    expect(response.headers.get("ratelimit-policy")).toBe('"pro";q=25;w=1');
    expect(await unitsOf(customerId)).toBe(1);
  });

  it("rate limits per customer with Retry-After and the IETF RateLimit headers", async () => {
    const { token } = await machineCustomer("free-burst");
    // At once, so that all eight fall in one one-second window however slow the machine is.
    const responses = await Promise.all(Array.from({ length: 8 }, () => call(token, "GET")));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(3);
    const admitted = responses.filter((response) => response.status === 200);
    for (const response of admitted) expect(response.headers.get("ratelimit-policy")).toBe('"free";q=5;w=1');
    const remaining = admitted.map(
      (response) => /r=(\d+)/.exec(response.headers.get("ratelimit") ?? "")?.[1],
    );
    expect(remaining.sort()).toEqual(["0", "1", "2", "3", "4"]);
    const limited = responses.find((response) => response.status === 429) as Response;
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ type: "https://tollgate.dev/problems/rate-limited" });
  });

  it("never lets concurrent calls past the monthly cap, and does not bill failed calls", async () => {
    const { customerId, token } = await machineCustomer("free-capped");
    // 997 of Free's 1,000 units already used this month.
    await env.db.quotaCounter.create({
      data: { customerId, meter: "api_units", periodStart: calendarMonth(new Date()).start, units: 997n },
    });
    const responses = await Promise.all(Array.from({ length: 5 }, () => call(token, "GET")));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refused = responses.find((response) => response.status === 429) as Response;
    expect(await refused.json()).toMatchObject({
      type: "https://tollgate.dev/problems/quota-exceeded",
      cap: 1000,
    });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await unitsOf(customerId)).toBe(3);
  });

  it("gives back the quota of a call that failed and records no usage for it", async () => {
    const { customerId, token } = await machineCustomer("free-missing");
    const missing = await call(token, "GET", "/api/v1/widgets/00000000-0000-4000-8000-000000000000");
    expect(missing.status).toBe(404);
    expect(await unitsOf(customerId)).toBe(0);
    const quota = await env.db.quotaCounter.findMany({ where: { customerId } });
    expect(quota.map((row) => Number(row.units))).toEqual([0]);
  });
});
