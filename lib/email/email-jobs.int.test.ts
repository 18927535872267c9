import { createMailCatcher, type MailCatcher } from "@tollgate/mail-catcher";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { METER } from "@/lib/billing/plans";
import type { Database } from "@/lib/db";
import { createMigratedDatabase, type TestDatabase } from "@/test/database";
import { runEmailJobs } from "./email-jobs";
import { createMailer, type Mailer } from "./mailer";
import { reachedThreshold } from "./usage-alerts";

let database: TestDatabase;
let db: Database;
let catcher: MailCatcher;
let mailer: Mailer;
let people = 0;

beforeAll(async () => {
  [database, catcher] = await Promise.all([createMigratedDatabase(), createMailCatcher()]);
  db = database.client();
  const created = createMailer({
    smtpUrl: catcher.smtpUrl,
    from: "Tollgate <no-reply@tollgate.local>",
    requireTls: false,
  });
  if (!created) throw new Error("no mailer");
  mailer = created;
});
afterAll(async () => {
  await catcher.close();
  await database.destroy();
});
beforeEach(() => catcher.clear());

/** A team with one member per role, named after it: `<role>@<team>.example`. */
async function team(name: string, roles = ["owner", "admin", "developer", "billing"]) {
  const customer = await db.customer.create({ data: { name, email: `team@${name}.example` } });
  for (const role of roles) {
    people += 1;
    const user = await db.user.create({
      data: { auth0UserId: `auth0|${people}`, email: `${role}@${name}.example`, customerId: customer.id },
    });
    await db.membership.create({ data: { userId: user.id, customerId: customer.id, role } });
  }
  return customer.id;
}

async function addUsage(customerId: string, windowStart: Date, units: number) {
  await db.usageCounter.upsert({
    where: { customerId_meter_windowStart: { customerId, meter: METER.eventName, windowStart } },
    create: { customerId, meter: METER.eventName, windowStart, units },
    update: { units: { increment: units } },
  });
}

const run = (now: Date) => runEmailJobs({ db, mailer, now });
const subjects = () =>
  catcher
    .messages()
    .map((message) => message.subject)
    .reverse();

describe("reachedThreshold", () => {
  it.each([
    [0, 1_000, null],
    [799, 1_000, null],
    [800, 1_000, 80],
    [999, 1_000, 80],
    [1_000, 1_000, 100],
    [5_000, 1_000, 100],
    [1, 3, null],
    [3, 3, 100],
    [10, 0, null],
  ] as const)("%i of %i units: %s", (used, limit, expected) => {
    expect(reachedThreshold({ used, limit, limitKind: "cap" })).toBe(expected);
  });
});

describe("usage alerts", () => {
  it("mails 80% and 100% of Free's cap once each per period, to owners and billing members", async () => {
    const customerId = await team("free-team");
    const december = new Date("2026-12-15T12:00:00Z");
    await addUsage(customerId, new Date("2026-12-10T08:00:00Z"), 799);
    await run(december);
    expect(subjects()).toEqual([]);

    await addUsage(customerId, new Date("2026-12-14T09:00:00Z"), 1);
    await run(december);
    await run(december);
    expect(subjects()).toEqual(["free-team has used 80% of its API units cap"]);
    expect(catcher.messages()[0]).toMatchObject({
      to: ["billing@free-team.example", "owner@free-team.example"],
      headers: expect.objectContaining({
        "x-tollgate-cause": `usage_80:${customerId}:${METER.eventName}:2026-12-01T00:00:00.000Z`,
      }),
    });
    expect(catcher.messages()[0]?.text).toContain("800 units of 1,000 units allowed");

    await addUsage(customerId, new Date("2026-12-15T10:00:00Z"), 200);
    await run(december);
    await run(december);
    expect(subjects()).toEqual([
      "free-team has used 80% of its API units cap",
      "free-team has reached its API units cap",
    ]);

    // A new calendar month is a new period: its thresholds are mailed afresh.
    await addUsage(customerId, new Date("2027-01-03T00:00:00Z"), 850);
    await run(new Date("2027-01-04T00:00:00Z"));
    expect(subjects().at(-1)).toBe("free-team has used 80% of its API units cap");
    expect(catcher.messages()).toHaveLength(3);
  });

  it("mails only 100% when a paid team's usage jumps past its included units, in its own billing period", async () => {
    const customerId = await team("pro-team", ["owner", "developer"]);
    const periodStart = new Date("2026-11-20T00:00:00Z");
    await db.subscription.create({
      data: {
        id: "sub_pro_team",
        customerId,
        status: "active",
        plan: "pro",
        currentPeriodStart: periodStart,
        currentPeriodEnd: new Date("2026-12-20T00:00:00Z"),
        stripeUpdatedAt: periodStart,
      },
    });
    // Before the period: not counted.
    await addUsage(customerId, new Date("2026-11-19T23:00:00Z"), 40_000);
    await addUsage(customerId, new Date("2026-11-21T00:00:00Z"), 30_000);
    const now = new Date("2026-12-01T00:00:00Z");
    await run(now);
    expect(subjects()).toEqual([]);
    await addUsage(customerId, new Date("2026-11-30T00:00:00Z"), 25_000);
    await run(now);
    await run(now);
    expect(subjects()).toEqual(["pro-team has used all of its included API units"]);
    const [mail] = catcher.messages();
    // Without a billing member, the owner alone; the developer hears nothing of money.
    expect(mail?.to).toEqual(["owner@pro-team.example"]);
    expect(mail?.text).toContain("55,000 units of 50,000 units included");
    expect(mail?.text).toContain("billed at the plan's metered price");
    expect(mail?.headers["x-tollgate-cause"]).toBe(
      `usage_100:${customerId}:${METER.eventName}:2026-11-20T00:00:00.000Z`,
    );
  });

  it("counts an annual subscription's year of included units", async () => {
    const customerId = await team("yearly-team", ["owner"]);
    const periodStart = new Date("2026-06-01T00:00:00Z");
    await db.subscription.create({
      data: {
        id: "sub_yearly_team",
        customerId,
        status: "active",
        plan: "pro",
        interval: "year",
        currentPeriodStart: periodStart,
        currentPeriodEnd: new Date("2027-06-01T00:00:00Z"),
        stripeUpdatedAt: periodStart,
      },
    });
    // 55,000 units: past a month's 50,000, far from the year's 600,000.
    await addUsage(customerId, new Date("2026-11-30T00:00:00Z"), 55_000);
    const now = new Date("2026-12-01T00:00:00Z");
    await run(now);
    expect(subjects()).toEqual([]);
    await addUsage(customerId, new Date("2026-11-30T01:00:00Z"), 425_000);
    await run(now);
    expect(subjects()).toEqual(["yearly-team has used 80% of its included API units"]);
    expect(catcher.messages()[0]?.text).toContain("480,000 units of 600,000 units included");
  });

  it("falls back to the team's billing email when no member has a billing role", async () => {
    const customerId = await team("lonely-team", ["developer"]);
    await addUsage(customerId, new Date("2026-12-02T00:00:00Z"), 1_000);
    await run(new Date("2026-12-03T00:00:00Z"));
    expect(catcher.messages().map((message) => message.to)).toEqual([["team@lonely-team.example"]]);
  });
});

describe("expiring API keys", () => {
  it("mails each unrevoked key expiring within seven days once, to owners, admins and developers", async () => {
    const customerId = await team("key-team");
    const now = new Date("2026-12-15T12:00:00Z");
    const day = 86_400_000;
    const key = (name: string, expiresInDays: number | null, revoked = false) =>
      db.apiKey.create({
        data: {
          customerId,
          name,
          prefix: `tg_test_${name.padEnd(8, "x").slice(0, 8)}`,
          hash: `hash-${name}`,
          scopes: ["get:widgets"],
          expiresAt: expiresInDays === null ? null : new Date(now.getTime() + expiresInDays * day),
          revokedAt: revoked ? now : null,
        },
      });
    const soon = await key("soon", 3);
    await key("later", 10);
    await key("revoked", 2, true);
    await key("expired", -1);
    await key("forever", null);

    await run(now);
    await run(new Date(now.getTime() + day));
    const messages = catcher.messages();
    expect(messages.map((message) => message.subject)).toEqual([
      'API key "soon" of key-team expires on 2026-12-18',
    ]);
    expect(messages[0]).toMatchObject({
      to: ["admin@key-team.example", "developer@key-team.example", "owner@key-team.example"],
      headers: expect.objectContaining({ "x-tollgate-cause": `key_expiring:${soon.id}` }),
    });
    expect(messages[0]?.text).toContain("(tg_test_soonxxxx...)");

    // Three days later the ten-day key is within a week of expiring too.
    await run(new Date(now.getTime() + 3.5 * day));
    expect(catcher.messages().map((message) => message.subject)).toContain(
      'API key "later" of key-team expires on 2026-12-25',
    );
    expect(catcher.messages()).toHaveLength(2);
  });
});

describe("the email job", () => {
  it("runs once at a time across callers, and retries failed sends", async () => {
    const customerId = await team("job-team");
    await addUsage(customerId, new Date("2026-12-05T00:00:00Z"), 900);
    const down = await createMailCatcher();
    const dead = createMailer({ smtpUrl: down.smtpUrl, from: "t@tollgate.local", requireTls: false });
    await down.close();
    const now = new Date("2026-12-06T00:00:00Z");
    const first = await runEmailJobs({ db, mailer: dead, now });
    expect(first).toMatchObject({ ran: true, usageAlerts: 1 });
    expect(catcher.messages()).toEqual([]);

    // Past the first retry's minute (the email's row was written at the real time).
    const retryAt = new Date(Date.now() + 2 * 3600_000);
    const runs = await Promise.all([run(retryAt), run(retryAt)]);
    expect(runs.map((outcome) => outcome.ran).sort()).toEqual([false, true]);
    expect(runs.find((outcome) => outcome.ran)).toMatchObject({ retried: { sent: 1, failed: 0 } });
    expect(catcher.messages().map((message) => message.subject)).toEqual([
      "job-team has used 80% of its API units cap",
    ]);
    expect(await runEmailJobs({ db, mailer: null, now })).toEqual({ ran: false, reason: "emails are off" });
  });
});
