/**
 * The dashboard's usage export on a real database (PGlite, or PostgreSQL with DATABASE_URL): units
 * recorded as calls record them, per day and credential, quoted as RFC 4180 says, for the current or
 * the previous billing period; and the proxy sends a signed-out request for it to sign-in.
 */
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { decideAccess } from "@/lib/billing/access";
import type { Database } from "@/lib/db";
import { resetProcessState } from "@/lib/process-state";
import { createMigratedDatabase, TEST_BACKEND, type TestDatabase } from "@/test/database";
import { recordUsage } from "./record-usage";
import { csvField, getUsageCsv } from "./usage-csv";

const KEY_ID = "0b6a4f2e-3c1d-4e5f-8a9b-0c1d2e3f4a5b";
const FORMULA_KEY_ID = "1c7b5a3f-4d2e-4f60-9bac-1d2e3f4a5b6c";

describe(`the usage CSV on ${TEST_BACKEND}`, () => {
  let database: TestDatabase & { db: Database };
  let customerId: string;
  const now = new Date("2026-11-20T12:00:00Z");
  const pro = decideAccess(
    [
      {
        id: "sub_csv",
        status: "active",
        plan: "pro",
        currentPeriodStart: new Date("2026-11-15T09:00:00Z"),
        currentPeriodEnd: new Date("2026-12-15T09:00:00Z"),
      },
    ],
    [],
    now,
  );

  beforeAll(async () => {
    database = await createMigratedDatabase();
    const db = database.db;
    customerId = (await db.customer.create({ data: { email: "csv@example.com" } })).id;
    const other = (await db.customer.create({ data: { email: "csv-other@example.com" } })).id;
    await db.apiKey.createMany({
      data: [
        {
          id: KEY_ID,
          customerId,
          name: 'reports, "nightly"\nbatch',
          prefix: "tg_test_AbCdEfGh",
          hash: "a".repeat(64),
          scopes: [],
          revokedAt: now,
        },
        {
          id: FORMULA_KEY_ID,
          customerId,
          name: '=HYPERLINK("https://evil.example","x")',
          prefix: "tg_test_HiJkLmNo",
          hash: "b".repeat(64),
          scopes: [],
        },
      ],
    });
    await db.apiClient.create({ data: { clientId: "etl", customerId, name: "ETL", scopes: [] } });
    const record = (customer: string, at: string, credential: string, units: number) =>
      recordUsage(db, {
        customerId: customer,
        meter: "api_units",
        units,
        at: new Date(at),
        periodStart:
          new Date(at) < new Date("2026-11-15T09:00:00Z")
            ? new Date("2026-10-15T09:00:00Z")
            : new Date("2026-11-15T09:00:00Z"),
        credential,
      });
    await record(customerId, "2026-10-20T10:00:00Z", `key:${KEY_ID}`, 7); // the previous period
    await record(customerId, "2026-11-15T09:30:00Z", `key:${KEY_ID}`, 2);
    await record(customerId, "2026-11-15T10:00:00Z", "client:etl", 3);
    await record(customerId, "2026-11-16T00:00:00Z", `key:${FORMULA_KEY_ID}`, 1);
    await record(customerId, "2026-11-16T01:00:00Z", "user:auth0|gone", 4);
    await record(other, "2026-11-16T00:00:00Z", "client:someone-else", 100);
  });
  afterAll(() => database.destroy());

  it("lists this period's units per day and credential, quoted, with CRLF lines", async () => {
    const csv = await getUsageCsv(database.db, customerId, pro, "current", now);
    expect(csv.filename).toBe("usage-2026-11-15-to-2026-12-15.csv");
    expect(csv.body).toBe(
      [
        "date,credential,kind,name,prefix,revoked,meter,units",
        "2026-11-15,client:etl,client,ETL,,false,api_units,3",
        `2026-11-15,key:${KEY_ID},key,"reports, ""nightly""\nbatch",tg_test_AbCdEfGh,true,api_units,2`,
        `2026-11-16,key:${FORMULA_KEY_ID},key,"'=HYPERLINK(""https://evil.example"",""x"")",tg_test_HiJkLmNo,false,api_units,1`,
        "2026-11-16,user:auth0|gone,user,,,false,api_units,4",
        "",
      ].join("\r\n"),
    );
    expect(csv.body).not.toContain("someone-else");
  });

  it("exports the previous period, a month before the current one", async () => {
    const csv = await getUsageCsv(database.db, customerId, pro, "previous", now);
    expect(csv.range).toEqual({ from: "2026-10-15", to: "2026-11-15" });
    expect(csv.body.split("\r\n").slice(1, -1)).toEqual([
      `2026-10-20,key:${KEY_ID},key,"reports, ""nightly""\nbatch",tg_test_AbCdEfGh,true,api_units,7`,
      // The boundary day belongs to both periods: its rows appear in each export.
      `2026-11-15,client:etl,client,ETL,,false,api_units,3`,
      `2026-11-15,key:${KEY_ID},key,"reports, ""nightly""\nbatch",tg_test_AbCdEfGh,true,api_units,2`,
    ]);
  });

  it("uses calendar months without a subscription", async () => {
    const free = { period: null };
    expect((await getUsageCsv(database.db, customerId, free, "current", now)).range).toEqual({
      from: "2026-11-01",
      to: "2026-11-30",
    });
    expect((await getUsageCsv(database.db, customerId, free, "previous", now)).range).toEqual({
      from: "2026-10-01",
      to: "2026-10-31",
    });
  });

  it.each([
    ["plain", "plain"],
    ["a,b", '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ["two\r\nlines", '"two\r\nlines"'],
    ["=1+1", "'=1+1"],
    ["+1", "'+1"],
    ["-1", "'-1"],
    ["@SUM(A1)", "'@SUM(A1)"],
    ["\tx", "'\tx"],
    ["", ""],
  ])("writes the field %j as %j", (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });
});

describe("GET /dashboard/usage.csv signed out", () => {
  afterAll(() => {
    vi.unstubAllEnvs();
    resetProcessState();
  });

  it("is sent to sign-in and back, with nothing exported", async () => {
    vi.stubEnv("APP_BASE_URL", "http://localhost:3000");
    vi.resetModules();
    resetProcessState();
    const { proxy } = await import("@/proxy");
    const response = await proxy(
      new NextRequest("http://localhost:3000/dashboard/usage.csv?period=previous"),
    );
    expect(response.status).toBe(307);
    expect(response.headers.get("location")).toMatch(
      /\/auth\/login\?returnTo=%2Fdashboard%2Fusage\.csv%3Fperiod%3Dprevious$/,
    );
    expect(response.headers.get("content-type") ?? "").not.toMatch(/csv/);
  });
});
