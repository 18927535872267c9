/**
 * The operator's overview on a real database (PGlite, or PostgreSQL with DATABASE_URL), seeded as the
 * webhook, the recorder and the reporter leave it, with a frozen clock: each customer's usage counts
 * in its own billing period, and failed payments and usage Stripe does not hold are all found.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "@/lib/db";
import { REPORTER_LEASE } from "@/lib/metering/reporter";
import { createMigratedDatabase, type TestDatabase } from "@/test/database";
import { getAdminOverview } from "./overview";

const NOW = new Date("2030-03-15T12:00:00Z");
const at = (iso: string) => new Date(iso);

let database: TestDatabase & { db: Database };
const ids: Record<"alice" | "bob" | "carol" | "dave" | "erin", string> = {
  alice: "",
  bob: "",
  carol: "",
  dave: "",
  erin: "",
};

async function subscribe(
  customerId: string,
  id: string,
  fields: { status: string; plan: string; start: string; end: string; updated: string },
) {
  await database.db.subscription.create({
    data: {
      id,
      customerId,
      status: fields.status,
      plan: fields.plan,
      currentPeriodStart: at(fields.start),
      currentPeriodEnd: at(fields.end),
      stripeUpdatedAt: at(fields.updated),
    },
  });
}

async function count(
  customerId: string,
  windowStart: string,
  units: number,
  reported = units,
  meter = "api_units",
) {
  await database.db.usageCounter.create({
    data: { customerId, meter, windowStart: at(windowStart), units, reportedUnits: reported },
  });
}

async function report(
  customerId: string,
  identifier: string,
  status: string,
  value: number,
  createdAt: string,
) {
  await database.db.usageReport.create({
    data: {
      identifier,
      customerId,
      meter: "api_units",
      windowStart: at(createdAt),
      value,
      status,
      createdAt: at(createdAt),
      ...(status === "rejected" ? { rejectCode: "meter_event_customer_not_found" } : {}),
    },
  });
}

beforeAll(async () => {
  database = await createMigratedDatabase();
  for (const name of Object.keys(ids) as (keyof typeof ids)[]) {
    const customer = await database.db.customer.create({
      data: { email: `${name}@example.com`, stripeCustomerId: `cus_${name}` },
    });
    ids[name] = customer.id;
  }
  // Alice's team is named and has two people; Bob signed in alone; the others never signed in.
  await database.db.customer.update({ where: { id: ids.alice }, data: { name: "Acme Robotics" } });
  for (const [email, customerId, teams] of [
    ["alice@example.com", ids.alice, [ids.alice]],
    ["frank@example.com", ids.alice, [ids.alice, ids.bob]],
    ["bob@example.com", ids.bob, []],
  ] as const) {
    const user = await database.db.user.create({
      data: { auth0UserId: `auth0|${email}`, email, customerId },
    });
    for (const team of teams) {
      await database.db.membership.create({ data: { userId: user.id, customerId: team, role: "developer" } });
    }
  }
  // Alice: Pro, period from the 10th. Bob: Free (calendar month). Carol: past_due since the 14th, in
  // grace. Dave: unpaid, his plan gone. Erin: a first payment that never went through.
  await subscribe(ids.alice, "sub_alice", {
    status: "active",
    plan: "pro",
    start: "2030-03-10T00:00:00Z",
    end: "2030-04-10T00:00:00Z",
    updated: "2030-03-10T00:00:00Z",
  });
  await subscribe(ids.carol, "sub_carol", {
    status: "past_due",
    plan: "pro",
    start: "2030-03-14T00:00:00Z",
    end: "2030-04-14T00:00:00Z",
    updated: "2030-03-14T01:00:00Z",
  });
  await subscribe(ids.dave, "sub_dave", {
    status: "unpaid",
    plan: "scale",
    start: "2030-02-01T00:00:00Z",
    end: "2030-03-01T00:00:00Z",
    updated: "2030-02-20T00:00:00Z",
  });
  await subscribe(ids.erin, "sub_erin", {
    status: "incomplete",
    plan: "pro",
    start: "2030-03-13T00:00:00Z",
    end: "2030-04-13T00:00:00Z",
    updated: "2030-03-13T00:00:00Z",
  });

  await count(ids.alice, "2030-03-09T23:00:00Z", 500); // her previous period
  await count(ids.alice, "2030-03-12T10:00:00Z", 120, 100);
  await count(ids.alice, "2030-03-15T11:00:00Z", 30, 0);
  await count(ids.bob, "2030-02-28T23:00:00Z", 7); // last month
  await count(ids.bob, "2030-03-01T00:00:00Z", 40);
  await count(ids.bob, "2030-03-02T00:00:00Z", 999, 999, "other_meter");

  await report(ids.alice, "r-alice-pending", "pending", 20, "2030-03-12T11:00:00Z");
  await report(ids.alice, "r-alice-sent", "sent", 100, "2030-03-12T10:30:00Z");
  await report(ids.bob, "r-bob-rejected", "rejected", 5, "2030-03-03T00:00:00Z");
  await report(ids.bob, "r-bob-unverified", "unverified", 3, "2030-03-02T00:00:00Z");
  await report(ids.carol, "r-carol-suspect", "suspect", 2, "2030-03-14T00:00:00Z");
  await report(ids.carol, "r-carol-resent", "resent", 9, "2030-03-14T00:00:00Z");

  for (const [id, minute] of [
    ["evt_1", "00"],
    ["evt_2", "05"],
    ["evt_3", "10"],
  ] as const) {
    await database.db.stripeEvent.create({
      data: { id, type: "customer.subscription.updated", processedAt: at(`2030-03-15T11:${minute}:00Z`) },
    });
  }
  await database.db.jobLease.create({
    data: {
      name: REPORTER_LEASE,
      holder: "00000000-0000-4000-8000-000000000000",
      expiresAt: at("2030-03-15T11:59:00Z"),
      lastStartedAt: at("2030-03-15T11:58:00Z"),
      lastFinishedAt: at("2030-03-15T11:59:00Z"),
    },
  });
});
afterAll(async () => {
  await database.destroy();
});

describe("getAdminOverview", () => {
  it("counts each customer's units in their own billing period, on the plans' meter only", async () => {
    const overview = await getAdminOverview(database.db, { now: NOW });
    const byEmail = Object.fromEntries(overview.customers.map((row) => [row.email, row]));
    expect(overview.customers.map((row) => [row.email, row.plan, row.subscriptionStatus, row.units])).toEqual(
      [
        ["alice@example.com", "pro", "active", 150],
        ["bob@example.com", "free", null, 40],
        ["carol@example.com", "pro", "past_due", 0],
        ["dave@example.com", "free", "unpaid", 0],
        ["erin@example.com", "free", "incomplete", 0],
      ],
    );
    expect(byEmail["alice@example.com"]?.period).toEqual({
      start: at("2030-03-10T00:00:00Z"),
      end: at("2030-04-10T00:00:00Z"),
    });
    expect(byEmail["bob@example.com"]?.period.start).toEqual(at("2030-03-01T00:00:00Z"));
    expect(byEmail["alice@example.com"]?.unsentUnits).toBe(50);
    expect(overview.customers.map((row) => [row.email, row.name, row.members])).toEqual([
      ["alice@example.com", "Acme Robotics", 2],
      ["bob@example.com", null, 1],
      ["carol@example.com", null, 0],
      ["dave@example.com", null, 0],
      ["erin@example.com", null, 0],
    ]);
    expect(overview.totals).toEqual({ customers: 5, subscribed: 2, unitsThisPeriod: 190 });
    expect(overview.plans.map((plan) => [plan.plan, plan.customers])).toEqual([
      ["free", 3],
      ["pro", 2],
      ["scale", 0],
    ]);
  });

  it("lists failed payments, newest first, saying whose plan still works", async () => {
    const { failedPayments } = await getAdminOverview(database.db, { now: NOW });
    expect(failedPayments.map((row) => [row.email, row.status, row.keepsPlan, row.graceEndsAt])).toEqual([
      ["carol@example.com", "past_due", true, at("2030-03-17T00:00:00Z")],
      ["erin@example.com", "incomplete", false, null],
      ["dave@example.com", "unpaid", false, null],
    ]);
  });

  it("finds usage Stripe does not hold: unplanned counter deltas and outbox rows by status", async () => {
    const { unreported } = await getAdminOverview(database.db, { now: NOW });
    expect(unreported.unplanned).toEqual({ units: 50, windows: 2, oldest: at("2030-03-12T10:00:00Z") });
    expect(unreported.byStatus.map(({ status, reports, units }) => [status, reports, units])).toEqual([
      ["pending", 1, 20],
      ["unverified", 1, 3],
      ["rejected", 1, 5],
      ["suspect", 1, 2],
    ]);
    expect(unreported.reports.map((row) => [row.identifier, row.email])).toEqual([
      ["r-bob-unverified", "bob@example.com"],
      ["r-bob-rejected", "bob@example.com"],
      ["r-alice-pending", "alice@example.com"],
      ["r-carol-suspect", "carol@example.com"],
    ]);
    expect(unreported.reports[1]?.rejectCode).toBe("meter_event_customer_not_found");
  });

  it("shows the webhook's applied events, newest first, and the reporter's last run", async () => {
    const overview = await getAdminOverview(database.db, { now: NOW });
    expect(overview.webhooks.applied).toBe(3);
    expect(overview.webhooks.recent.map((event) => event.id)).toEqual(["evt_3", "evt_2", "evt_1"]);
    expect(overview.reporter).toEqual({
      lastStartedAt: at("2030-03-15T11:58:00Z"),
      lastFinishedAt: at("2030-03-15T11:59:00Z"),
      running: false,
    });
  });

  it("keeps the customer list to the limit, busiest first, while the totals count everyone", async () => {
    const overview = await getAdminOverview(database.db, { now: NOW, limit: 1 });
    expect(overview.customers.map((row) => row.email)).toEqual(["alice@example.com"]);
    expect(overview.totals.customers).toBe(5);
  });
});
