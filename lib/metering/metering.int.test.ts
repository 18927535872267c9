import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMigratedDatabase, TEST_BACKEND, type TestDatabase } from "@/test/database";
import type { Database } from "@/lib/db";
import { releaseQuota, reserveQuota } from "./quota";
import { recordUsage } from "./record-usage";

const PERIOD = new Date("2026-11-01T00:00:00Z");

describe(`usage recording and quotas on ${TEST_BACKEND}`, () => {
  let database: TestDatabase & { db: Database };
  let customers: string[];

  beforeAll(async () => {
    database = await createMigratedDatabase();
    customers = [];
    for (const email of ["a@example.com", "b@example.com", "c@example.com"]) {
      customers.push((await database.db.customer.create({ data: { email } })).id);
    }
  });
  afterAll(() => database.destroy());

  const totalUnits = async (customerId: string) => {
    const counters = await database.db.usageCounter.findMany({ where: { customerId, meter: "api_units" } });
    return counters.reduce((sum, counter) => sum + Number(counter.units), 0);
  };

  it("counts every one of many concurrent calls from several customers", async () => {
    const at = new Date("2026-11-23T10:15:00Z");
    const calls = customers.flatMap((customerId, index) =>
      Array.from({ length: 40 + index * 10 }, () =>
        recordUsage(database.db, { customerId, meter: "api_units", units: 1, at, periodStart: PERIOD }),
      ),
    );
    await Promise.all(calls);
    expect(await Promise.all(customers.map(totalUnits))).toEqual([40, 50, 60]);
  });

  it("attributes concurrent calls to their credentials, in the statement that bills them", async () => {
    const [customerId] = customers as [string];
    const meter = "attributed";
    const at = new Date("2026-11-23T23:59:30Z");
    const next = new Date("2026-11-24T00:00:30Z");
    const calls = [
      ...Array.from({ length: 30 }, (_, i) => ({ credential: "key:a", at: i % 3 === 0 ? next : at })),
      ...Array.from({ length: 20 }, () => ({ credential: "client:b", at })),
      ...Array.from({ length: 10 }, () => ({ credential: undefined, at: next })),
    ];
    await Promise.all(
      calls.map((call) =>
        recordUsage(database.db, { customerId, meter, units: 2, periodStart: PERIOD, ...call }),
      ),
    );
    const attributed = await database.db.credentialUsage.findMany({
      where: { customerId, meter },
      orderBy: [{ credential: "asc" }, { day: "asc" }],
    });
    expect(
      attributed.map((row) => [row.credential, row.day.toISOString().slice(0, 10), Number(row.units)]),
    ).toEqual([
      ["client:b", "2026-11-23", 40],
      ["key:a", "2026-11-23", 40],
      ["key:a", "2026-11-24", 20],
    ]);
    // Billing counts every call, attributed or not (the last ten name no credential).
    const billed = await database.db.usageCounter.findMany({ where: { customerId, meter } });
    expect(billed.reduce((sum, row) => sum + Number(row.units), 0)).toBe(120);
  });

  it("keeps windows per hour, never across the start of a billing period", async () => {
    const [customerId] = customers as [string];
    const periodStart = new Date("2026-11-23T12:30:00Z");
    await recordUsage(database.db, {
      customerId,
      meter: "other",
      units: 2,
      at: new Date("2026-11-23T12:10:00Z"),
      periodStart: PERIOD,
    });
    await recordUsage(database.db, {
      customerId,
      meter: "other",
      units: 3,
      at: new Date("2026-11-23T12:45:00Z"),
      periodStart,
    });
    const windows = await database.db.usageCounter.findMany({
      where: { customerId, meter: "other" },
      orderBy: { windowStart: "asc" },
    });
    expect(windows.map((w) => [w.windowStart.toISOString(), Number(w.units)])).toEqual([
      ["2026-11-23T12:00:00.000Z", 2],
      ["2026-11-23T12:30:00.000Z", 3],
    ]);
  });

  it("refuses negative or fractional units and ignores zero", async () => {
    const usage = {
      customerId: customers[0] as string,
      meter: "api_units",
      at: new Date(),
      periodStart: PERIOD,
    };
    await expect(recordUsage(database.db, { ...usage, units: -1 })).rejects.toThrow(RangeError);
    await expect(recordUsage(database.db, { ...usage, units: 1.5 })).rejects.toThrow(RangeError);
    const before = await totalUnits(usage.customerId);
    await recordUsage(database.db, { ...usage, units: 0 });
    expect(await totalUnits(usage.customerId)).toBe(before);
  });

  it("never lets concurrent calls past a cap of N, not even by one", async () => {
    const key = { customerId: customers[1] as string, meter: "api_units", periodStart: PERIOD };
    const cap = 25;
    const results = await Promise.all(
      Array.from({ length: 60 }, () => reserveQuota(database.db, key, 1, cap)),
    );
    const granted = results.filter((used) => used !== null);
    expect(granted).toHaveLength(cap);
    expect(new Set(granted).size).toBe(cap); // each call saw its own running total
    expect(await reserveQuota(database.db, key, 1, cap)).toBeNull();
  });

  it("gives back units of calls that were not billed", async () => {
    const key = { customerId: customers[2] as string, meter: "api_units", periodStart: PERIOD };
    expect(await reserveQuota(database.db, key, 3, 4)).toBe(3);
    expect(await reserveQuota(database.db, key, 2, 4)).toBeNull();
    await releaseQuota(database.db, key, 3);
    expect(await reserveQuota(database.db, key, 4, 4)).toBe(4);
    expect(await reserveQuota(database.db, key, 5, 4)).toBeNull();
  });
});
