import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideAccess } from "@/lib/billing/access";
import type { Database } from "@/lib/db";
import { createMigratedDatabase, TEST_BACKEND, type TestDatabase } from "@/test/database";
import { recordUsage } from "./record-usage";
import { getUsageSummary } from "./usage-summary";

describe(`usage summary on ${TEST_BACKEND}`, () => {
  let database: TestDatabase & { db: Database };
  beforeAll(async () => {
    database = await createMigratedDatabase();
  });
  afterAll(() => database.destroy());

  it("sums this period's units per day, against the plan, with the invoice estimate", async () => {
    const customer = await database.db.customer.create({ data: { email: "summary@example.com" } });
    const now = new Date("2026-11-03T15:00:00Z");
    const start = new Date("2026-11-01T12:00:00Z");
    const pro = decideAccess(
      [
        {
          id: "sub_1",
          status: "active",
          plan: "pro",
          currentPeriodStart: start,
          currentPeriodEnd: new Date("2026-12-01T12:00:00Z"),
        },
      ],
      [],
      now,
    );
    const record = (at: string, units: number, periodStart = start) =>
      recordUsage(database.db, {
        customerId: customer.id,
        meter: "api_units",
        units,
        at: new Date(at),
        periodStart,
      });
    await record("2026-11-01T11:00:00Z", 100, new Date("2026-10-01T12:00:00Z")); // the previous period
    await record("2026-11-01T12:30:00Z", 5);
    await record("2026-11-01T20:10:00Z", 7);
    await record("2026-11-03T09:00:00Z", 30);

    const summary = await getUsageSummary(database.db, customer.id, pro, now);
    expect(summary).toMatchObject({
      plan: "pro",
      units: 42,
      includedUnits: pro.limits.includedUnits,
      remainingIncludedUnits: pro.limits.includedUnits - 42,
      capUnits: null,
      // 42 units are within Pro's included units: only the flat fee is billed.
      estimate: { currency: "usd", amountCents: 2_900 },
    });
    expect(summary.daily).toEqual([
      { date: "2026-11-01", units: 12 },
      { date: "2026-11-02", units: 0 },
      { date: "2026-11-03", units: 30 },
    ]);
  });
});
