/**
 * The 10-client cap and the Management API's rate limit, against the real local issuer (its
 * Management API over HTTP, with its 429 test hook) and a real database: PGlite, or PostgreSQL with
 * DATABASE_URL, where two Prisma clients with pools of their own stand for two app instances.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_ISSUER } from "@tollgate/local-auth0";
import { createDemoIssuer } from "@/dev/demo-tenant";
import type { LocalIssuer } from "@tollgate/local-auth0";
import { createPrismaClient, type Database } from "@/lib/db/client";
import { createMigratedDatabase, TEST_BACKEND, type TestDatabase } from "@/test/database";
import { issueMachineClient, MAX_CLIENTS_PER_CUSTOMER } from "./machine-clients";
import { createManagementApi, ManagementError, type ManagementApi } from "./management";

let issuer: LocalIssuer;
let database: TestDatabase & { db: Database };
/** A second app instance's database client (PostgreSQL), or the same one (PGlite: one process). */
let otherInstanceDb: Database;
let management: ManagementApi;

beforeAll(async () => {
  [issuer, database] = await Promise.all([createDemoIssuer({ port: 0 }), createMigratedDatabase()]);
  otherInstanceDb = TEST_BACKEND === "postgres" ? createPrismaClient(database.config) : database.db;
  management = createManagementApi({
    tenantUrl: issuer.url,
    clientId: LOCAL_ISSUER.managementClientId,
    clientSecret: LOCAL_ISSUER.managementClientSecret,
  });
});
afterAll(async () => {
  if (otherInstanceDb !== database.db) await otherInstanceDb.$disconnect();
  await Promise.all([issuer.close(), database.destroy()]);
});

const newCustomer = async () =>
  (await database.db.customer.create({ data: { email: `${randomUUID()}@example.com` } })).id;

/** Management API requests since `from` (an index into the issuer's log), as "METHOD path status". */
const requestsSince = (from: number) =>
  issuer
    .managementRequests()
    .slice(from)
    .map((request) => `${request.method} ${request.path} ${request.status}`);

/** The issuer's clients made since `before` (its client ids at the start). */
const clientsSince = (before: ReadonlySet<string>) =>
  [...issuer.state.clients.keys()].filter((clientId) => !before.has(clientId));

describe("the client cap", () => {
  it("holds under 20 concurrent creates across two instances: exactly 10 made, no orphan at Auth0", async () => {
    const customerId = await newCustomer();
    const before = new Set(issuer.state.clients.keys());
    const from = issuer.managementRequests().length;

    const attempts = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) =>
        issueMachineClient(
          index % 2 === 0 ? database.db : otherInstanceDb,
          customerId,
          { name: `burst ${index}`, scopes: ["get:widgets"] },
          { management },
        ),
      ),
    );

    const made = attempts.filter((attempt) => attempt.status === "fulfilled");
    const refused = attempts.flatMap((attempt) => (attempt.status === "rejected" ? [attempt.reason] : []));
    expect(made).toHaveLength(MAX_CLIENTS_PER_CUSTOMER);
    expect(refused).toHaveLength(20 - MAX_CLIENTS_PER_CUSTOMER);
    for (const reason of refused) expect(reason).toMatchObject({ code: "ERR_TOO_MANY_CLIENTS" });

    const rows = await database.db.apiClient.findMany({ where: { customerId } });
    expect(rows).toHaveLength(MAX_CLIENTS_PER_CUSTOMER);
    expect(rows.every((row) => row.revokedAt === null && !row.clientId.startsWith("pending:"))).toBe(true);
    // Every client Auth0 made is recorded, and no refused attempt reached Auth0 at all.
    expect(clientsSince(before).sort()).toEqual(rows.map((row) => row.clientId).sort());
    expect(requestsSince(from).filter((line) => line.startsWith("POST /api/v2/clients "))).toHaveLength(
      MAX_CLIENTS_PER_CUSTOMER,
    );
    expect(issuer.state.clients.get(rows[0]?.clientId ?? "")?.client_metadata).toEqual({
      tollgate_customer_id: customerId,
    });
  });

  it("counts the clients already there, and a revoked one frees its slot", async () => {
    const customerId = await newCustomer();
    for (let index = 0; index < 7; index++) {
      await issueMachineClient(
        database.db,
        customerId,
        { name: `old ${index}`, scopes: ["get:widgets"] },
        { management },
      );
    }
    const attempts = await Promise.allSettled(
      Array.from({ length: 6 }, (_, index) =>
        issueMachineClient(
          otherInstanceDb,
          customerId,
          { name: `new ${index}`, scopes: ["get:widgets"] },
          { management },
        ),
      ),
    );
    expect(attempts.filter((attempt) => attempt.status === "fulfilled")).toHaveLength(3);
    await database.db.apiClient.updateMany({
      where: { customerId, name: "old 0" },
      data: { revokedAt: new Date() },
    });
    await expect(
      issueMachineClient(
        database.db,
        customerId,
        { name: "after revoke", scopes: ["get:widgets"] },
        { management },
      ),
    ).resolves.toMatchObject({ client: { name: "after revoke" } });
    expect(await database.db.apiClient.count({ where: { customerId, revokedAt: null } })).toBe(10);
  });
});

describe("the Management API's rate limit", () => {
  it("waits out a short Retry-After once, then creates the client", async () => {
    const customerId = await newCustomer();
    const from = issuer.managementRequests().length;
    issuer.throttleManagementApi({ retryAfterSeconds: 1, method: "POST", path: "/api/v2/clients" });
    const started = Date.now();
    const { client } = await issueMachineClient(
      database.db,
      customerId,
      { name: "patient", scopes: ["get:widgets"] },
      { management },
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(requestsSince(from)).toEqual([
      "POST /api/v2/clients 429",
      "POST /api/v2/clients 201",
      "POST /api/v2/client-grants 201",
    ]);
    expect(issuer.state.clients.has(client.clientId)).toBe(true);
  });

  it("refuses a long Retry-After at once, says when to try again, and gives the slot back", async () => {
    const customerId = await newCustomer();
    const before = new Set(issuer.state.clients.keys());
    issuer.throttleManagementApi({ retryAfterSeconds: 30, method: "POST", path: "/api/v2/clients" });
    const started = Date.now();
    const attempt = issueMachineClient(
      database.db,
      customerId,
      { name: "busy", scopes: ["get:widgets"] },
      { management },
    );
    await expect(attempt).rejects.toBeInstanceOf(ManagementError);
    await expect(attempt).rejects.toMatchObject({
      code: "ERR_MANAGEMENT_RATE_LIMITED",
      retryAfterSeconds: 30,
      message: expect.stringMatching(/Try again in 30 s\.$/),
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await database.db.apiClient.count({ where: { customerId } })).toBe(0);
    expect(clientsSince(before)).toEqual([]);
  });

  it("deletes the client again when its grant is refused with 429: nothing half-made is left", async () => {
    const customerId = await newCustomer();
    const before = new Set(issuer.state.clients.keys());
    const from = issuer.managementRequests().length;
    issuer.throttleManagementApi({ retryAfterSeconds: 30, method: "POST", path: "/api/v2/client-grants" });
    await expect(
      issueMachineClient(
        database.db,
        customerId,
        { name: "no grant", scopes: ["get:widgets"] },
        { management },
      ),
    ).rejects.toMatchObject({ code: "ERR_MANAGEMENT_RATE_LIMITED" });
    expect(requestsSince(from).map((line) => line.replace(/clients\/\w+/, "clients/{id}"))).toEqual([
      "POST /api/v2/clients 201",
      "POST /api/v2/client-grants 429",
      "DELETE /api/v2/clients/{id} 204",
    ]);
    expect(clientsSince(before)).toEqual([]);
    expect(await database.db.apiClient.count({ where: { customerId } })).toBe(0);
  });

  it("retries once only: a second 429 is refused", async () => {
    const customerId = await newCustomer();
    const from = issuer.managementRequests().length;
    issuer.throttleManagementApi({ retryAfterSeconds: 1, times: 2, method: "POST", path: "/api/v2/clients" });
    await expect(
      issueMachineClient(database.db, customerId, { name: "twice", scopes: ["get:widgets"] }, { management }),
    ).rejects.toMatchObject({ code: "ERR_MANAGEMENT_RATE_LIMITED", retryAfterSeconds: 1 });
    expect(requestsSince(from)).toEqual(["POST /api/v2/clients 429", "POST /api/v2/clients 429"]);
    expect(await database.db.apiClient.count({ where: { customerId } })).toBe(0);
  });
});
