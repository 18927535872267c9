import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createStripeSandbox, type StripeSandbox } from "@/dev/stripe";
import type { Database } from "@/lib/db";
import { createMigratedDatabase, type TestDatabase } from "@/test/database";

const SECRET = "cron-secret-for-tests-0123456789";
let database: TestDatabase & { db: Database };
let sandbox: StripeSandbox;

async function loadRoute(env: Record<string, string | undefined>) {
  vi.resetModules();
  delete (globalThis as { tollgateStripe?: unknown }).tollgateStripe;
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return import("./route");
}

beforeAll(async () => {
  database = await createMigratedDatabase();
  sandbox = await createStripeSandbox({ port: 0 });
  (globalThis as { tollgateDb?: Database }).tollgateDb = database.db;
});
afterAll(async () => {
  vi.unstubAllEnvs();
  delete (globalThis as { tollgateDb?: unknown }).tollgateDb;
  delete (globalThis as { tollgateStripe?: unknown }).tollgateStripe;
  await sandbox.close();
  await database.destroy();
});

const request = (authorization?: string) =>
  new Request("http://localhost/api/cron/usage", { headers: authorization ? { authorization } : {} });

describe("GET /api/cron/usage", () => {
  it("refuses requests without the cron secret", async () => {
    const { GET } = await loadRoute({ CRON_SECRET: SECRET, STRIPE_API_URL: sandbox.url });
    for (const header of [undefined, "Bearer wrong", `Bearer ${SECRET}x`, SECRET]) {
      const response = await GET(request(header));
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="cron"');
    }
  });

  it("runs the reporter with the secret and answers what it did", async () => {
    const { GET } = await loadRoute({ CRON_SECRET: SECRET, STRIPE_API_URL: sandbox.url });
    const response = await GET(request(`Bearer ${SECRET}`));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      planned: 0,
      sent: 0,
      duplicates: 0,
      failed: 0,
      expired: 0,
      waiting: 0,
    });
  });

  it("is off until CRON_SECRET is set in production", async () => {
    const { GET } = await loadRoute({
      NODE_ENV: "production",
      TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION: "1",
      CRON_SECRET: undefined,
    });
    expect((await GET(request("Bearer anything"))).status).toBe(503);
  });
});
