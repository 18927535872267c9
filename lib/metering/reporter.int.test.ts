/**
 * The reporter's guards on a real database and the Stripe sandbox: the lease that keeps runs to one
 * at a time across instances, and the trigger that starts a run after metered answers at most once
 * per interval per instance.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { StripeSandbox } from "@tollgate/stripe-sandbox";
import type { Database } from "@/lib/db";
import { TEST_BACKEND, type TestDatabase } from "@/test/database";
import { startAppTestbed, type BillingTestbed } from "@/test/fixtures";
import { startNewProcess } from "@/test/process-state";
import { withJobLease } from "./job-lease";

let testbed: BillingTestbed;
let database: TestDatabase & { db: Database };
let sandbox: StripeSandbox;

beforeAll(async () => {
  testbed = await startAppTestbed();
  ({ database, sandbox } = testbed);
});
afterAll(() => testbed.close());

describe(`the job lease on ${TEST_BACKEND}`, () => {
  it("lets one of many concurrent runs through, and the next one once it is given back", async () => {
    let release = () => {};
    const holding = new Promise<void>((resolve) => (release = resolve));
    const first = withJobLease(database.db, "test-job", 60_000, () => holding.then(() => "first"));
    await vi.waitFor(async () =>
      expect(await database.db.jobLease.count({ where: { name: "test-job" } })).toBe(1),
    );
    const others = await Promise.all(
      Array.from({ length: 5 }, () => withJobLease(database.db, "test-job", 60_000, async () => "other")),
    );
    expect(others).toEqual(Array(5).fill({ ran: false }));
    release();
    expect(await first).toEqual({ ran: true, result: "first" });
    expect(await withJobLease(database.db, "test-job", 60_000, async () => "next")).toEqual({
      ran: true,
      result: "next",
    });
  });

  it("is overtaken once a crashed holder's lease has expired", async () => {
    await database.db.jobLease.upsert({
      where: { name: "crashed-job" },
      create: { name: "crashed-job", holder: crypto.randomUUID(), expiresAt: new Date(Date.now() + 60_000) },
      update: {},
    });
    expect(await withJobLease(database.db, "crashed-job", 60_000, async () => 1)).toEqual({ ran: false });
    await database.db.jobLease.update({
      where: { name: "crashed-job" },
      data: { expiresAt: new Date(Date.now() - 1) },
    });
    expect(await withJobLease(database.db, "crashed-job", 60_000, async () => 2)).toEqual({
      ran: true,
      result: 2,
    });
    // Given back at the end: the row is free at once, and says when the run finished.
    const lease = await database.db.jobLease.findUniqueOrThrow({ where: { name: "crashed-job" } });
    expect(lease.expiresAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(lease.lastFinishedAt).not.toBeNull();
  });
});

describe(`the report trigger on ${TEST_BACKEND}`, () => {
  it("starts a run after a metered answer at most once per interval in an instance", async () => {
    startNewProcess({
      STRIPE_SECRET_KEY: "",
      STRIPE_API_URL: sandbox.url,
      USAGE_REPORT_INTERVAL_SECONDS: "1",
    });
    const { reportUsageSoon } = await import("./reporter");
    const started = async () =>
      (
        await database.db.jobLease.findUnique({ where: { name: "usage-reporter" } })
      )?.lastStartedAt?.getTime();

    for (let call = 0; call < 5; call++) reportUsageSoon();
    await vi.waitFor(async () => {
      const lease = await database.db.jobLease.findUnique({ where: { name: "usage-reporter" } });
      expect(lease?.lastFinishedAt).toBeTruthy();
    });
    const first = await started();
    // Within the interval: no second run, however many answers.
    for (let call = 0; call < 5; call++) reportUsageSoon();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await started()).toBe(first);
    // After it: the next metered answer starts one.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    reportUsageSoon();
    await vi.waitFor(async () => expect(await started()).toBeGreaterThan(first ?? Infinity));
  });
});
