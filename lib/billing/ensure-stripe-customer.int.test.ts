import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStripeSandbox, type StripeSandbox } from "@tollgate/stripe-sandbox";
import { sdkFor } from "@tollgate/stripe-sandbox/testing";
import type { Database } from "@/lib/db";
import { createMigratedDatabase, type TestDatabase } from "@/test/database";
import { AUTH0_USER_METADATA_KEY, ensureStripeCustomer } from "./ensure-stripe-customer";
import { BillingError } from "./errors";

let sandbox: StripeSandbox;
let stripe: Stripe;
let database: TestDatabase & { db: Database };

beforeAll(async () => {
  [sandbox, database] = await Promise.all([createStripeSandbox({ port: 0 }), createMigratedDatabase()]);
  stripe = sdkFor(sandbox);
});
afterAll(async () => {
  await sandbox.close();
  await database.destroy();
});

describe("ensureStripeCustomer", () => {
  it("creates one Stripe customer and one row for ten concurrent first logins", async () => {
    const user = { auth0UserId: "auth0|concurrent", email: "concurrent@example.com", name: "Con Current" };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => ensureStripeCustomer(database.db, stripe, user)),
    );
    expect(new Set(results.map((customer) => customer.id)).size).toBe(1);
    const stripeCustomers = await stripe.customers.list({ email: user.email });
    expect(stripeCustomers.data).toHaveLength(1);
    expect(stripeCustomers.data[0]?.metadata[AUTH0_USER_METADATA_KEY]).toBe(user.auth0UserId);
    expect(results[0]?.stripeCustomerId).toBe(stripeCustomers.data[0]?.id);
    expect(await database.db.customer.count({ where: { email: user.email } })).toBe(1);
    expect(await database.db.user.count({ where: { auth0UserId: user.auth0UserId } })).toBe(1);
  });

  it("returns the same customer on later logins without calling Stripe again", async () => {
    const user = { auth0UserId: "auth0|again", email: "again@example.com" };
    const first = await ensureStripeCustomer(database.db, stripe, user);
    sandbox.setFaults({ rate: 1, statuses: [500] });
    try {
      expect((await ensureStripeCustomer(database.db, stripe, user)).id).toBe(first.id);
    } finally {
      sandbox.setFaults(null);
    }
  });

  it("refuses an email whose Stripe customer belongs to another user, leaving no partial state", async () => {
    await stripe.customers.create({
      email: "taken@example.com",
      metadata: { [AUTH0_USER_METADATA_KEY]: "auth0|owner" },
    });
    const attempt = ensureStripeCustomer(database.db, stripe, {
      auth0UserId: "auth0|intruder",
      email: "taken@example.com",
    });
    await expect(attempt).rejects.toBeInstanceOf(BillingError);
    await expect(attempt).rejects.toMatchObject({ code: "ERR_EMAIL_BELONGS_TO_ANOTHER_USER" });
    expect((await stripe.customers.list({ email: "taken@example.com" })).data).toHaveLength(1);
    expect(await database.db.customer.count({ where: { email: "taken@example.com" } })).toBe(0);
    expect(await database.db.user.count({ where: { auth0UserId: "auth0|intruder" } })).toBe(0);
  });

  it("refuses an email another local user has, before creating anything in Stripe", async () => {
    await ensureStripeCustomer(database.db, stripe, {
      auth0UserId: "auth0|first",
      email: "shared@example.com",
    });
    await expect(
      ensureStripeCustomer(database.db, stripe, { auth0UserId: "auth0|second", email: "Shared@Example.com" }),
    ).rejects.toMatchObject({ code: "ERR_EMAIL_BELONGS_TO_ANOTHER_USER" });
    expect((await stripe.customers.list({ email: "shared@example.com" })).data).toHaveLength(1);
  });

  it("links a user row made without Stripe (e.g. seeded) to a new customer", async () => {
    const seeded = await database.db.customer.create({
      data: {
        email: "seeded@example.com",
        users: { create: { auth0UserId: "auth0|seeded", email: "seeded@example.com" } },
      },
    });
    const customer = await ensureStripeCustomer(database.db, stripe, {
      auth0UserId: "auth0|seeded",
      email: "seeded@example.com",
    });
    expect(customer.id).toBe(seeded.id);
    expect(customer.stripeCustomerId).toMatch(/^cus_/);
  });
});
