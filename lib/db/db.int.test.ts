import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, TEST_BACKEND, type TestDatabase } from "@/test/database";
import { createPrismaClient } from "./client";
import { checkDatabase } from "./check-database";

describe(`database layer on ${TEST_BACKEND}`, () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.destroy());

  it("applies every migration to an empty database, then nothing on a second run", async () => {
    const first = await database.migrate();
    expect(first.length).toBeGreaterThan(0);
    expect(first[0]).toMatch(/^\d{14}_init$/);
    expect(await database.migrate()).toEqual([]);
  });

  it("keeps Prisma's _prisma_migrations bookkeeping with checksums", async () => {
    const rows = await database.client().$queryRaw<
      { migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }[]
    >`SELECT migration_name, checksum, finished_at, applied_steps_count FROM _prisma_migrations ORDER BY migration_name`;
    const { createHash } = await import("node:crypto");
    const { readFileSync } = await import("node:fs");
    for (const row of rows) {
      const sql = readFileSync(`prisma/migrations/${row.migration_name}/migration.sql`);
      expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("stores and reads through the generated client, enforcing the schema's constraints", async () => {
    const db = database.client();
    const customer = await db.customer.create({ data: { email: "ada@example.com" } });
    await db.user.create({
      data: { auth0UserId: "auth0|ada", email: "ada@example.com", customerId: customer.id },
    });
    const found = await db.user.findUnique({
      where: { auth0UserId: "auth0|ada" },
      include: { customer: true },
    });
    expect(found?.customer.email).toBe("ada@example.com");
    await expect(db.customer.create({ data: { email: "ada@example.com" } })).rejects.toMatchObject({
      code: "P2002",
    });

    await db.usageCounter.create({
      data: {
        customerId: customer.id,
        meter: "api_units",
        windowStart: new Date("2026-11-01T00:00:00Z"),
        units: 5n,
      },
    });
    const counter = await db.usageCounter.update({
      where: {
        customerId_meter_windowStart: {
          customerId: customer.id,
          meter: "api_units",
          windowStart: new Date("2026-11-01T00:00:00Z"),
        },
      },
      data: { units: { increment: 3n } },
    });
    expect(counter.units).toBe(8n);
  });

  it("reports ok for a live database", async () => {
    expect(await checkDatabase(database.client(), 2_000)).toBe("ok");
  });
});

describe("health check of an unreachable database", () => {
  let silent: Server;
  let silentPort: number;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // Accepts connections and never answers: a database that hangs.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it("is down when the server refuses connections", async () => {
    const refused = createPrismaClient({ kind: "postgres", url: "postgres://postgres@127.0.0.1:1/none" });
    expect(await checkDatabase(refused, 2_000)).toBe("down");
    await refused.$disconnect();
  });

  it("is down when the server does not answer within the timeout", async () => {
    const hanging = createPrismaClient({
      kind: "postgres",
      url: `postgres://postgres@127.0.0.1:${silentPort}/none`,
    });
    const started = process.hrtime.bigint();
    expect(await checkDatabase(hanging, 300)).toBe("down");
    // Answered by the timeout, not by the driver's own 5 s connection timeout.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(4_000);
    hanging.$disconnect().catch(() => {});
  });
});
