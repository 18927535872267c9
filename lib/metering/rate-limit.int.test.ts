/**
 * The rate limiter's shared stores, real ones: Redis (the machine's server, behind a TCP proxy that
 * can cut it off) and PostgreSQL. Instances are stood in for by forgetting this process's limiters,
 * which is what a second process starts with; the count they share lives in the store.
 */
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createPrismaClient, type Database } from "@/lib/db/client";
import { resetProcessState } from "@/lib/process-state";
import { startTcpProxy, type TcpProxy } from "@/test/faults/tcp-proxy";
import { createMigratedDatabase, TEST_BACKEND, type TestDatabase } from "@/test/database";
import { resetAllButDatabase, setAppDatabase } from "@/test/process-state";
import { requireRedis, TEST_REDIS_URL } from "@/test/redis";
import type { RatePolicy } from "./rate-limit";

const POLICY: RatePolicy = { name: "test", points: 5, durationSeconds: 60 };

/** The limiter's module as a new process would load it, with `env`. */
async function freshProcess(env: Record<string, string>) {
  vi.resetModules();
  resetAllButDatabase();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return import("./rate-limit");
}

/** Calls `consume` `times` times; how many were allowed. */
async function allowed(consume: () => Promise<{ allowed: boolean }>, times: number): Promise<number> {
  let count = 0;
  for (let i = 0; i < times; i++) if ((await consume()).allowed) count += 1;
  return count;
}

afterEach(() => {
  resetProcessState(); // closes this process's Redis connections
  vi.unstubAllEnvs();
});

describe.runIf(await requireRedis("the Redis rate limit tests"))("rate limits on Redis", () => {
  let proxy: TcpProxy;
  beforeAll(async () => {
    const target = new URL(TEST_REDIS_URL);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  });
  afterAll(() => proxy.close());

  it("share one count across instances", async () => {
    const customer = randomUUID();
    const first = await freshProcess({ REDIS_URL: TEST_REDIS_URL });
    expect(await allowed(() => first.consumeRate(POLICY, customer), 3)).toBe(3);
    const second = await freshProcess({ REDIS_URL: TEST_REDIS_URL });
    expect(await allowed(() => second.consumeRate(POLICY, customer), 4)).toBe(2);
    const refused = await second.consumeRate(POLICY, customer);
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    expect(refused.resetSeconds).toBeGreaterThan(0);
  });

  it("limit each instance in memory while Redis is unreachable, never answering 503, and share again after", async () => {
    const customer = randomUUID();
    const limits = await freshProcess({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    expect(await allowed(() => limits.consumeRate(POLICY, customer), 2)).toBe(2);
    await proxy.setMode("refuse");
    // The lost connection is noticed at once; calls go to the insurance limiter, which starts empty.
    await vi.waitFor(async () => expect((await import("@/lib/redis")).getRedis()?.status).not.toBe("ready"));
    expect(await allowed(() => limits.consumeRate(POLICY, customer), 7)).toBe(5);
    await proxy.setMode("up");
    await vi.waitFor(async () => expect((await import("@/lib/redis")).getRedis()?.status).toBe("ready"), {
      timeout: 10_000,
    });
    // Back on Redis, where the 2 calls made before the outage still count.
    expect(await allowed(() => limits.consumeRate(POLICY, customer), 5)).toBe(3);
  });
});

describe.runIf(TEST_BACKEND === "postgres")("rate limits on PostgreSQL without Redis", () => {
  let database: TestDatabase & { db: Database };
  let proxy: TcpProxy;
  beforeAll(async () => {
    database = await createMigratedDatabase();
    const url = new URL(database.config.kind === "postgres" ? database.config.url : "");
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  });
  afterAll(async () => {
    await proxy.close();
    await database.destroy();
  });

  it("share one count across instances through the rate_limits table", async () => {
    setAppDatabase(database.db);
    const customer = randomUUID();
    const first = await freshProcess({ REDIS_URL: "" });
    expect(await allowed(() => first.consumeRate(POLICY, customer), 4)).toBe(4);
    const second = await freshProcess({ REDIS_URL: "" });
    expect(await allowed(() => second.consumeRate(POLICY, customer), 3)).toBe(1);
  });

  it("set their store up again after a failed first attempt, instead of refusing until a restart", async () => {
    const url = new URL(database.config.kind === "postgres" ? database.config.url : "");
    url.port = String(proxy.port);
    const db = createPrismaClient({ kind: "postgres", url: url.toString() });
    setAppDatabase(db);
    try {
      await proxy.setMode("refuse");
      const limits = await freshProcess({ REDIS_URL: "" });
      const customer = randomUUID();
      await expect(limits.consumeRate(POLICY, customer)).rejects.toThrow();
      await proxy.setMode("up");
      expect(await limits.consumeRate(POLICY, customer)).toMatchObject({ allowed: true, remaining: 4 });
    } finally {
      resetProcessState();
      await db.$disconnect();
    }
  });
});
