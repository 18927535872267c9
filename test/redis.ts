import { Redis } from "ioredis";

// Test support: the Redis server this project's machines run on 127.0.0.1:6379 (or REDIS_TEST_URL).
// Tests use keys and channels of their own, so they can share it with each other and with CI.

/** The Redis server the tests use. */
export const TEST_REDIS_URL = process.env.REDIS_TEST_URL ?? "redis://127.0.0.1:6379";

/** Why no Redis answers at `TEST_REDIS_URL`, or null when one does. */
export async function redisUnavailable(url = TEST_REDIS_URL): Promise<string | null> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0 });
  redis.on("error", () => {});
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return `no Redis at ${url} (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    redis.disconnect();
  }
}

/**
 * Whether a test file that needs Redis runs: on CI, where the server is part of the machine, a
 * missing Redis is a failure; elsewhere the file is skipped with a note (the README says which tests).
 */
export async function requireRedis(what: string): Promise<boolean> {
  const unavailable = await redisUnavailable();
  if (!unavailable) return true;
  if (process.env.CI) throw new Error(`${what} cannot run: ${unavailable}`);
  console.warn(`Skipping ${what}: ${unavailable}`);
  return false;
}
