/**
 * Sign-up with someone else's address, through real boundaries: ID tokens from the local issuer's
 * authorization code flow (what the session keeps as `session.user`), its Management API and mailbox
 * over HTTP, the Stripe sandbox, and a real database (PGlite, or PostgreSQL with DATABASE_URL).
 */
import { randomUUID } from "node:crypto";
import type Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_ISSUER } from "@tollgate/local-auth0";
import { createDemoIssuer } from "@/dev/demo-tenant";
import type { LocalIssuer } from "@tollgate/local-auth0";
import { decode, openVerificationLink, signIn } from "@tollgate/local-auth0/testing";
import { DEMO_USERS } from "@/dev/demo-tenant";
import type { LocalUser } from "@tollgate/local-auth0";
import { createStripeSandbox, type StripeSandbox } from "@tollgate/stripe-sandbox";
import { sdkFor } from "@tollgate/stripe-sandbox/testing";
import type { Database } from "@/lib/db";
import { resetProcessState } from "@/lib/process-state";
import { createMigratedDatabase, type TestDatabase } from "@/test/database";
import { setAppDatabase } from "@/test/process-state";
import { EmailNotVerifiedError } from "./errors";
import { createManagementApi, type ManagementApi } from "./management";
import { openAccount, type SessionUser } from "./open-account";
import { requestVerificationEmail, VERIFICATION_EMAIL_POLICY } from "./verification-email";

const REDIRECT_URI = "http://localhost:3000/auth/callback";

const person = (id: string, email: string, emailVerified: boolean): LocalUser => ({
  user_id: `auth0|${id}`,
  email,
  email_verified: emailVerified,
  name: id,
  nickname: id,
  picture: "https://s.gravatar.com/avatar/x",
  roles: [],
});
/** Scripted sign-ups, none of which ever verified its address. */
const BOTS = Array.from({ length: 5 }, (_, index) => person(`bot${index}`, `bot${index}@example.com`, false));
const SQUATTER = person("squatter", "victim@corp.com", false);
const RESENDER = person("resender", "resender@example.com", false);

let issuer: LocalIssuer;
let sandbox: StripeSandbox;
let stripe: Stripe;
let database: TestDatabase & { db: Database };
let management: ManagementApi;

const managementFor = (tenant: LocalIssuer) =>
  createManagementApi({
    tenantUrl: tenant.url,
    clientId: LOCAL_ISSUER.managementClientId,
    clientSecret: LOCAL_ISSUER.managementClientSecret,
  });

beforeAll(async () => {
  [issuer, sandbox, database] = await Promise.all([
    createDemoIssuer({ port: 0, users: [...DEMO_USERS, ...BOTS, SQUATTER, RESENDER] }),
    createStripeSandbox({ port: 0 }),
    createMigratedDatabase(),
  ]);
  stripe = sdkFor(sandbox);
  management = managementFor(issuer);
  // The rate limiter's store (PostgreSQL) is the app's database.
  setAppDatabase(database.db);
});
afterAll(async () => {
  resetProcessState();
  await Promise.all([issuer.close(), sandbox.close(), database.destroy()]);
});

/** Signs in on `tenant` as `email` and returns the ID token's claims, as the session keeps them. */
async function sessionUser(tenant: LocalIssuer, email: string): Promise<SessionUser> {
  const { status, body } = await signIn(tenant, { email, redirectUri: REDIRECT_URI });
  expect(status).toBe(200);
  const { sub, ...claims } = decode(body.id_token ?? "").payload;
  if (typeof sub !== "string") throw new Error("ID token without sub");
  return { ...claims, sub };
}

const deps = () => ({ db: database.db, stripe, management });
const rowsFor = async (email: string) => ({
  customers: await database.db.customer.count({ where: { email } }),
  users: await database.db.user.count({ where: { email } }),
});
const stripeCustomersFor = async (email: string) => (await stripe.customers.list({ email })).data.length;
const userCalls = () =>
  issuer.managementRequests().filter((request) => request.path.startsWith("/api/v2/users/")).length;

describe("opening an account needs a verified email", () => {
  it("opens nothing for unverified sign-ups: no customer or user row, no Stripe customer, no Auth0 write", async () => {
    const callsBefore = userCalls();
    for (const email of ["dana@example.com", ...BOTS.map((bot) => bot.email)]) {
      const user = await sessionUser(issuer, email);
      expect(user.email_verified).toBe(false);
      const attempt = openAccount(user, deps());
      await expect(attempt).rejects.toBeInstanceOf(EmailNotVerifiedError);
      await expect(attempt).rejects.toMatchObject({ code: "ERR_EMAIL_NOT_VERIFIED" });
      expect(await rowsFor(email)).toEqual({ customers: 0, users: 0 });
      expect(await stripeCustomersFor(email)).toBe(0);
    }
    expect(await database.db.customer.count()).toBe(0);
    expect(userCalls()).toBe(callsBefore);
  });

  it("does not let an unverified sign-up as victim@corp.com lock the address's owner out", async () => {
    const squatter = await sessionUser(issuer, SQUATTER.email);
    await expect(openAccount(squatter, deps())).rejects.toMatchObject({ code: "ERR_EMAIL_NOT_VERIFIED" });

    // The owner signs in with a verified identity of their own (another connection, another sub).
    const ownersTenant = await createDemoIssuer({
      port: 0,
      users: [{ ...person("owner", "victim@corp.com", true), user_id: "auth0|owner" }],
    });
    try {
      const owner = await sessionUser(ownersTenant, "victim@corp.com");
      const account = await openAccount(owner, { ...deps(), management: managementFor(ownersTenant) });
      expect(account).toMatchObject({ auth0UserId: "auth0|owner", email: "victim@corp.com" });
      expect(await rowsFor("victim@corp.com")).toEqual({ customers: 1, users: 1 });
      expect(await stripeCustomersFor("victim@corp.com")).toBe(1);
      // And the squatter, still unverified, gets nothing of it.
      await expect(openAccount(squatter, deps())).rejects.toMatchObject({ code: "ERR_EMAIL_NOT_VERIFIED" });
    } finally {
      await ownersTenant.close();
    }
  });

  it.each([
    ["absent (a provider that never sends it)", {}],
    ["false", { email_verified: false }],
    ['the string "true"', { email_verified: "true" }],
    ["1", { email_verified: 1 }],
    ["null", { email_verified: null }],
  ])("refuses a session whose email_verified is %s", async (_case, claim) => {
    const email = `claim-${randomUUID()}@example.com`;
    await expect(openAccount({ sub: "auth0|claims", email, ...claim }, deps())).rejects.toMatchObject({
      code: "ERR_EMAIL_NOT_VERIFIED",
    });
    expect(await rowsFor(email)).toEqual({ customers: 0, users: 0 });
  });

  it("opens the account once the emailed link is followed and the person signs in again", async () => {
    const stale = await sessionUser(issuer, "dana@example.com");
    const job = await requestVerificationEmail(stale, { management });
    expect(job).toMatchObject({ type: "verification_email", status: "pending" });
    expect(await openVerificationLink(issuer, "dana@example.com")).toBe(200);

    // The session from before the link still carries the old claim: refused until it is renewed.
    await expect(openAccount(stale, deps())).rejects.toMatchObject({ code: "ERR_EMAIL_NOT_VERIFIED" });
    expect(await rowsFor("dana@example.com")).toEqual({ customers: 0, users: 0 });

    const fresh = await sessionUser(issuer, "dana@example.com");
    expect(fresh.email_verified).toBe(true);
    const account = await openAccount(fresh, deps());
    expect(account.stripeCustomerId).toMatch(/^cus_/);
    expect(await rowsFor("dana@example.com")).toEqual({ customers: 1, users: 1 });
    expect(await stripeCustomersFor("dana@example.com")).toBe(1);
    expect(issuer.state.users.get("auth0|dana")?.app_metadata).toEqual({
      stripe_customer_id: account.stripeCustomerId,
    });
  });
});

describe("resending the verification email", () => {
  it(`sends at most ${VERIFICATION_EMAIL_POLICY.points} an hour to one person, and writes no account`, async () => {
    const user = await sessionUser(issuer, RESENDER.email);
    const mailed = () => issuer.state.mailbox.filter((email) => email.to === RESENDER.email).length;
    for (let sent = 1; sent <= VERIFICATION_EMAIL_POLICY.points; sent++) {
      await requestVerificationEmail(user, { management });
      expect(mailed()).toBe(sent);
    }
    const refused = requestVerificationEmail(user, { management });
    await expect(refused).rejects.toMatchObject({
      code: "ERR_RATE_LIMITED",
      retryAfterSeconds: expect.any(Number),
      message: expect.stringMatching(/try again in \d+ (s|min)\.$/),
    });
    expect(mailed()).toBe(VERIFICATION_EMAIL_POLICY.points);
    expect(await rowsFor(RESENDER.email)).toEqual({ customers: 0, users: 0 });
  });

  it("is not offered to identities their provider verifies, and sends nothing for a verified session", async () => {
    const calls = issuer.managementRequests().length;
    await expect(
      requestVerificationEmail(
        { sub: "google-oauth2|1234", email: "social@example.com", email_verified: false },
        { management },
      ),
    ).rejects.toMatchObject({ code: "ERR_VERIFICATION_EMAIL_UNAVAILABLE" });
    const verified = await sessionUser(issuer, "alice@example.com");
    await expect(requestVerificationEmail(verified, { management })).resolves.toBeNull();
    expect(issuer.managementRequests().length).toBe(calls);
  });
});
