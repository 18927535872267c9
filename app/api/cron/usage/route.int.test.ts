import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { localProductionSecrets } from "@/dev/production-secrets";
import { createStripeSandbox, type StripeSandbox } from "@/dev/stripe";
import { stripeKey } from "@/lib/billing/stripe";
import type { Database } from "@/lib/db";
import { resetProcessState } from "@/lib/process-state";
import { createMigratedDatabase, type TestDatabase } from "@/test/database";
import { setAppDatabase } from "@/test/process-state";

const SECRET = "cron-secret-for-tests-0123456789";
let database: TestDatabase & { db: Database };
let sandbox: StripeSandbox;

async function loadRoute(env: Record<string, string | undefined>) {
  vi.resetModules();
  resetProcessState(stripeKey);
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return import("./route");
}

beforeAll(async () => {
  database = await createMigratedDatabase();
  sandbox = await createStripeSandbox({ port: 0 });
  setAppDatabase(database.db);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  resetProcessState();
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
      ran: true,
      planned: 0,
      sent: 0,
      duplicates: 0,
      failed: 0,
      expired: 0,
      waiting: 0,
      settled: { held: 0, resent: 0, unverified: 0 },
      api: null,
      drained: true,
    });
  });

  it("leaves the work to a run another instance holds the lease for, and runs once it is given back", async () => {
    const { GET } = await loadRoute({ CRON_SECRET: SECRET, STRIPE_API_URL: sandbox.url });
    await database.db.jobLease.upsert({
      where: { name: "usage-reporter" },
      create: { name: "usage-reporter", holder: randomUUID(), expiresAt: new Date(Date.now() + 60_000) },
      update: { holder: randomUUID(), expiresAt: new Date(Date.now() + 60_000) },
    });
    const busy = await GET(request(`Bearer ${SECRET}`));
    expect(busy.status).toBe(200);
    expect(await busy.json()).toEqual({ ran: false, reason: "another reporter is running" });

    await database.db.jobLease.update({ where: { name: "usage-reporter" }, data: { expiresAt: new Date() } });
    expect(await (await GET(request(`Bearer ${SECRET}`))).json()).toMatchObject({ ran: true, drained: true });
  });

  it("is off until CRON_SECRET is set in production", async () => {
    const { GET } = await loadRoute({
      NODE_ENV: "production",
      TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION: "1",
      ...localProductionSecrets(),
      CRON_SECRET: undefined,
    });
    expect((await GET(request("Bearer anything"))).status).toBe(503);
  });
});
