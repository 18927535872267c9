import "server-only";
import { Redis } from "ioredis";
import { getConfig } from "@/lib/config";
import { log } from "@/lib/log";
import { processSingleton } from "@/lib/process-state";

/** How long a call waits for a connection that is still being opened (a new instance), at most. */
const FIRST_CONNECT_WAIT_MS = 1_000;
/** A lost connection is logged at most this often while ioredis keeps reconnecting. */
const ERROR_LOG_INTERVAL_MS = 60_000;

/**
 * Opens an ioredis connection for `REDIS_URL` (plain `redis://` or TLS `rediss://`, as Upstash gives).
 * Commands fail at once while it is down instead of queueing (`enableOfflineQueue: false`), so
 * callers fall back (the rate limiter to its in-memory insurance) rather than wait; ioredis keeps
 * reconnecting in the background. A subscriber queues its SUBSCRIBE until connected instead.
 */
export function createRedisConnection(url: string, name: string, { subscriber = false } = {}): Redis {
  const redis = new Redis(url, {
    connectionName: `tollgate-${name}`,
    enableOfflineQueue: subscriber,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let loggedAt = 0;
  // Without a listener ioredis prints every failed reconnection as an unhandled error event.
  redis.on("error", (error: Error) => {
    if (Date.now() - loggedAt < ERROR_LOG_INTERVAL_MS) return;
    loggedAt = Date.now();
    log.warn("redis.connection_failed", { connection: name, error: error.message });
  });
  return redis;
}

/** This process's Redis connection for commands, or null when `REDIS_URL` is not set. */
export function getRedis(): Redis | null {
  return processSingleton(
    "redis",
    () => {
      const { redisUrl } = getConfig();
      return redisUrl ? createRedisConnection(redisUrl, "commands") : null;
    },
    (redis) => redis?.disconnect(),
  );
}

/**
 * Whether a command can be sent now. A connection still being opened (a new instance's first call)
 * is waited for, briefly; one that was lost is not, so a Redis outage costs callers nothing but
 * their fallback.
 */
export async function redisReady(redis: Redis, waitMs = FIRST_CONNECT_WAIT_MS): Promise<boolean> {
  if (redis.status === "ready") return true;
  if (redis.status !== "wait" && redis.status !== "connecting" && redis.status !== "connect") return false;
  return new Promise<boolean>((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      redis.off("ready", onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(redis.status === "ready"), waitMs);
    redis.once("ready", onReady);
  });
}
