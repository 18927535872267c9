import "server-only";
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { getConfig } from "@/lib/config";
import { log } from "@/lib/log";
import { processKey, processSingleton } from "@/lib/process-state";
import { createRedisConnection, getRedis, redisReady } from "@/lib/redis";

/** The Redis channel every instance listens on for invalidations. */
export const INVALIDATION_CHANNEL = "tollgate:invalidate";
const MAX_ENTRIES = 10_000;

/**
 * A process's cache of answers read from Postgres, with a staleness bound: an entry is used for at
 * most `ttlMs`, so a change made on another instance is seen within that time however messages fare.
 * With Redis configured, `invalidate` also publishes the key and every instance drops it within
 * milliseconds (an instance frozen between requests misses the message and relies on the bound).
 */
export interface InstanceCache<T> {
  get(key: string, now?: number): T | undefined;
  set(key: string, value: T, now?: number): void;
  /** Drops `key` here at once and on the other instances; resolves once the message is published. */
  invalidate(key: string): Promise<void>;
  readonly ttlMs: number;
}

export type CacheTopic = "customer-access" | "caller";

/** Where the process keeps its cache for `topic`; tests forget it to start the cache empty. */
export const instanceCacheKey = <T>(topic: CacheTopic) => processKey<InstanceCache<T>>(`cache:${topic}`);

/** The cache for `topic` in this process, created on first use with its bound from the configuration. */
export function instanceCache<T>(topic: CacheTopic): InstanceCache<T> {
  return processSingleton(instanceCacheKey<T>(topic), () => {
    const { cacheSeconds, redisUrl } = getConfig();
    const bus = processSingleton(
      "cache:bus",
      () => {
        const publisher = getRedis();
        return createInvalidationBus(redisUrl && publisher ? { url: redisUrl, publisher } : null);
      },
      (created) => created.close(),
    );
    const seconds = topic === "caller" ? cacheSeconds.caller : cacheSeconds.customerAccess;
    return createInstanceCache<T>(topic, seconds * 1000, bus);
  });
}

/** One process's caches and its Redis subscription; every `instanceCache` of a process shares one. */
export interface InvalidationBus {
  /** Resolves once the subscription is in place (at once without Redis). */
  readonly subscribed: Promise<void>;
  close(): void;
  /** @internal */
  readonly origin: string;
  /** @internal */
  readonly caches: Map<CacheTopic, Map<string, unknown>>;
  /** @internal */
  readonly publisher: Redis | null;
}

/**
 * Listens for invalidations on Redis (a connection of its own, as SUBSCRIBE requires) and publishes
 * them on `publisher`; without Redis it does neither, and each process relies on its caches' bounds.
 */
export function createInvalidationBus(redis: { url: string; publisher: Redis } | null): InvalidationBus {
  const origin = randomUUID();
  const caches = new Map<CacheTopic, Map<string, unknown>>();
  if (!redis) return { origin, caches, publisher: null, subscribed: Promise.resolve(), close: () => {} };
  const subscriber = createRedisConnection(redis.url, "invalidations", { subscriber: true });
  subscriber.on("message", (_channel: string, message: string) => receive(origin, caches, message));
  const subscribed = subscriber.subscribe(INVALIDATION_CHANNEL).then(
    () => undefined,
    (error: unknown) => log.warn("cache.subscribe_failed", { error: String(error) }),
  );
  return { origin, caches, publisher: redis.publisher, subscribed, close: () => subscriber.disconnect() };
}

/** A cache on `bus`, its entries used for at most `ttlMs` (0: nothing is cached). */
export function createInstanceCache<T>(
  topic: CacheTopic,
  ttlMs: number,
  bus: InvalidationBus,
): InstanceCache<T> {
  const entries = new Map<string, { value: T; expires: number }>();
  bus.caches.set(topic, entries);
  return {
    ttlMs,
    get(key, now = Date.now()) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expires > now) return entry.value;
      entries.delete(key);
      return undefined;
    },
    set(key, value, now = Date.now()) {
      if (ttlMs <= 0) return;
      if (entries.size >= MAX_ENTRIES) entries.clear();
      entries.set(key, { value, expires: now + ttlMs });
    },
    async invalidate(key) {
      entries.delete(key);
      if (!bus.publisher) return;
      const message: Invalidation = { origin: bus.origin, topic, key };
      try {
        await redisReady(bus.publisher);
        await bus.publisher.publish(INVALIDATION_CHANNEL, JSON.stringify(message));
      } catch (error) {
        // Other instances still drop the entry when it expires: the bound holds without Redis.
        log.warn("cache.publish_failed", {
          topic,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    },
  };
}

interface Invalidation {
  origin: string;
  topic: CacheTopic;
  key: string;
}

function receive(origin: string, caches: InvalidationBus["caches"], message: string): void {
  let parsed: Partial<Invalidation>;
  try {
    parsed = JSON.parse(message) as Partial<Invalidation>;
  } catch {
    return;
  }
  if (parsed.origin === origin || typeof parsed.key !== "string" || parsed.topic === undefined) return;
  caches.get(parsed.topic)?.delete(parsed.key);
}
