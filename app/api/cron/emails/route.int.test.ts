import { createMailCatcher, type MailCatcher } from "@tollgate/mail-catcher";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/lib/db";
import { resetProcessState } from "@/lib/process-state";
import { createMigratedDatabase, type TestDatabase } from "@/test/database";
import { cronRequest, TEST_CRON_SECRET } from "@/test/fixtures";
import { setAppDatabase, startNewProcess } from "@/test/process-state";

let database: TestDatabase;
let db: Database;
let catcher: MailCatcher;

beforeAll(async () => {
  [database, catcher] = await Promise.all([createMigratedDatabase(), createMailCatcher()]);
  db = database.client();
  setAppDatabase(db);
});
afterAll(async () => {
  resetProcessState();
  await catcher.close();
  await database.destroy();
});

// The cron secret and the production switch: cron-secret.int.test.ts, for every cron route.
describe("GET /api/cron/emails", () => {
  it("runs the email job through the configured SMTP relay and answers what it did", async () => {
    const customer = await db.customer.create({ data: { email: "cron@example.com", name: "Cron team" } });
    await db.apiKey.create({
      data: {
        customerId: customer.id,
        name: "nightly",
        prefix: "tg_test_nightly1",
        hash: "hash-nightly",
        scopes: [],
        expiresAt: new Date(Date.now() + 2 * 86_400_000),
      },
    });
    startNewProcess({ CRON_SECRET: TEST_CRON_SECRET, SMTP_URL: catcher.smtpUrl });
    const { GET } = await import("./route");
    const response = await GET(cronRequest("/api/cron/emails", `Bearer ${TEST_CRON_SECRET}`));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      ran: true,
      usageAlerts: 0,
      keyNotices: 1,
      retried: { sent: 0, failed: 0 },
    });
    expect(catcher.messages().map((message) => message.to)).toEqual([["cron@example.com"]]);
    expect(
      await (await GET(cronRequest("/api/cron/emails", `Bearer ${TEST_CRON_SECRET}`))).json(),
    ).toMatchObject({
      keyNotices: 0,
    });
  });
});
