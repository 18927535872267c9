import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalIssuer, type LocalIssuer } from "./create-local-issuer";
import type { Auth0Job, Auth0User } from "./auth0-records";
import { LOCAL_ISSUER } from "./constants";
import {
  decode,
  management,
  managementToken,
  openVerificationLink,
  requestToken,
  signIn,
  EXAMPLE_TENANT,
} from "./testing";

// Auth0's email verification as the dashboard uses it: POST /api/v2/jobs/verification-email, then the
// link in the email (here on the issuer's local mailbox page), then a new ID token that says so.
let issuer: LocalIssuer;
let mgmt: string;
const redirectUri = "http://localhost:3000/auth/callback";
const dana = `users/${encodeURIComponent("auth0|dana")}`;

beforeAll(async () => {
  issuer = await createLocalIssuer({ ...EXAMPLE_TENANT, port: 0 });
  mgmt = await managementToken(issuer);
});
afterAll(() => issuer.close());

describe("verification emails", () => {
  it("answers the job in Auth0's shape, and its link verifies the email for the next ID token", async () => {
    const before = await signIn(issuer, { email: "dana@example.com", redirectUri });
    expect(decode(before.body.id_token ?? "").payload).toMatchObject({
      email: "dana@example.com",
      email_verified: false,
    });

    const { status, body } = await management(issuer, mgmt, "POST", "jobs/verification-email", {
      user_id: "auth0|dana",
    });
    expect(status).toBe(201);
    const job = body as Auth0Job;
    expect(job).toEqual({
      id: expect.stringMatching(/^job_[A-Za-z0-9]{16}$/),
      type: "verification_email",
      status: "pending",
      created_at: expect.any(String),
    });
    expect((await management(issuer, mgmt, "GET", `jobs/${job.id}`)).body).toMatchObject({
      id: job.id,
      status: "completed",
    });
    expect(issuer.state.mailbox.at(-1)).toMatchObject({ job_id: job.id, to: "dana@example.com" });

    expect(await openVerificationLink(issuer, "dana@example.com")).toBe(200);
    const user = (await management(issuer, mgmt, "GET", dana)).body as Auth0User;
    expect(user.email_verified).toBe(true);
    const after = await signIn(issuer, { email: "dana@example.com", redirectUri });
    expect(decode(after.body.id_token ?? "").payload.email_verified).toBe(true);

    // Auth0 lets the Management API set it back, which the browser test does to start over.
    const reset = await management(issuer, mgmt, "PATCH", dana, { email_verified: false });
    expect(reset).toMatchObject({ status: 200, body: { email_verified: false } });
  });

  it("gives a new ID token saying so on a refresh, which the dashboard's Continue button relies on", async () => {
    await management(issuer, mgmt, "PATCH", dana, { email_verified: false });
    const { body } = await signIn(issuer, { email: "dana@example.com", redirectUri });
    await management(issuer, mgmt, "POST", "jobs/verification-email", { user_id: "auth0|dana" });
    expect(await openVerificationLink(issuer, "dana@example.com")).toBe(200);
    const refreshed = await requestToken(issuer, {
      grant_type: "refresh_token",
      refresh_token: body.refresh_token ?? "",
      client_id: LOCAL_ISSUER.dashboard.clientId,
      client_secret: LOCAL_ISSUER.dashboard.clientSecret,
    });
    expect(refreshed.status).toBe(200);
    expect(decode(String(refreshed.body.id_token)).payload).toMatchObject({
      sub: "auth0|dana",
      email_verified: true,
    });
    await management(issuer, mgmt, "PATCH", dana, { email_verified: false });
  });

  it("refuses an unknown user or job, and a malformed body", async () => {
    expect(
      await management(issuer, mgmt, "POST", "jobs/verification-email", { user_id: "auth0|nobody" }),
    ).toEqual({
      status: 404,
      body: {
        statusCode: 404,
        error: "Not Found",
        message: "The user does not exist.",
        errorCode: "inexistent_user",
      },
    });
    const malformed = await management(issuer, mgmt, "POST", "jobs/verification-email", {
      email: "dana@example.com",
    });
    expect(malformed).toMatchObject({ status: 400, body: { errorCode: "invalid_body" } });
    expect((await management(issuer, mgmt, "GET", "jobs/job_unknown")).status).toBe(404);
  });

  it("answers an unknown or forged link with 404 and verifies no one", async () => {
    const response = await fetch(new URL("/u/email-verification?ticket=forged", issuer.url));
    expect(response.status).toBe(404);
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    const user = (await management(issuer, mgmt, "GET", dana)).body as Auth0User;
    expect(user.email_verified).toBe(false);
  });
});

describe("Management API rate limit (test hook)", () => {
  it("answers 429 in Auth0's shape with Retry-After and X-RateLimit-Reset, then serves again", async () => {
    issuer.throttleManagementApi({ retryAfterSeconds: 7, method: "GET", path: "/api/v2/users/" });
    const refused = await fetch(new URL(`/api/v2/${dana}`, issuer.url), {
      headers: { authorization: `Bearer ${mgmt}` },
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("7");
    const reset = Number(refused.headers.get("x-ratelimit-reset"));
    expect(reset - Date.now() / 1000).toBeGreaterThan(5);
    expect(refused.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(await refused.json()).toEqual({
      statusCode: 429,
      error: "Too Many Requests",
      message: "Global limit has been reached",
      errorCode: "too_many_requests",
    });
    expect((await management(issuer, mgmt, "GET", dana)).status).toBe(200);
    expect(issuer.managementRequests().slice(-2)).toEqual([
      { method: "GET", path: `/api/v2/${dana}`, status: 429 },
      { method: "GET", path: `/api/v2/${dana}`, status: 200 },
    ]);
  });

  it("refuses only the matching requests, as many times as asked", async () => {
    issuer.throttleManagementApi({ retryAfterSeconds: 1, times: 2, method: "POST" });
    expect((await management(issuer, mgmt, "GET", dana)).status).toBe(200);
    const body = { user_id: "auth0|dana" };
    expect((await management(issuer, mgmt, "POST", "jobs/verification-email", body)).status).toBe(429);
    expect((await management(issuer, mgmt, "POST", "jobs/verification-email", body)).status).toBe(429);
    expect((await management(issuer, mgmt, "POST", "jobs/verification-email", body)).status).toBe(201);
  });
});

describe("roles claim", () => {
  it("puts a person's roles in their access token when asked to, as an Auth0 Action would", async () => {
    const claim = "https://tollgate.test/roles";
    const withRoles = await createLocalIssuer({ ...EXAMPLE_TENANT, port: 0, rolesClaim: claim });
    try {
      const { body } = await signIn(withRoles, { email: "bob@example.com", redirectUri });
      expect(decode(body.access_token).payload[claim]).toEqual(["member"]);
    } finally {
      await withRoles.close();
    }
    const { body } = await signIn(issuer, { email: "bob@example.com", redirectUri });
    expect(decode(body.access_token).payload[claim]).toBeUndefined();
  });
});
