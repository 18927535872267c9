import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cronRequest, startAppTestbed, TEST_CRON_SECRET, type BillingTestbed } from "@/test/fixtures";
import { startNewProcess } from "@/test/process-state";

const SECRET = TEST_CRON_SECRET;
let testbed: BillingTestbed;

async function loadRoute() {
  startNewProcess({ CRON_SECRET: SECRET, STRIPE_API_URL: testbed.sandbox.url });
  return import("./route");
}

beforeAll(async () => {
  testbed = await startAppTestbed();
});
afterAll(() => testbed.close());

const request = (authorization?: string) => cronRequest("/api/cron/usage", authorization);

// The cron secret and the production switch: cron-secret.int.test.ts, for every cron route.
describe("GET /api/cron/usage", () => {
  it("runs the reporter with the secret and answers what it did", async () => {
    const { GET } = await loadRoute();
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
    const { GET } = await loadRoute();
    const { db } = testbed.database;
    await db.jobLease.upsert({
      where: { name: "usage-reporter" },
      create: { name: "usage-reporter", holder: randomUUID(), expiresAt: new Date(Date.now() + 60_000) },
      update: { holder: randomUUID(), expiresAt: new Date(Date.now() + 60_000) },
    });
    const busy = await GET(request(`Bearer ${SECRET}`));
    expect(busy.status).toBe(200);
    expect(await busy.json()).toEqual({ ran: false, reason: "another reporter is running" });

    await db.jobLease.update({ where: { name: "usage-reporter" }, data: { expiresAt: new Date() } });
    expect(await (await GET(request(`Bearer ${SECRET}`))).json()).toMatchObject({ ran: true, drained: true });
  });
});
