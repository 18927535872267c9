/**
 * Caches of two processes (two buses, each with its own Redis subscription, as two instances have)
 * on the machine's real Redis: an invalidation on one reaches the other through pub/sub, long before
 * the cache's bound; without Redis the bound alone holds, on a frozen clock.
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import { Redis } from "ioredis";
import { requireRedis, TEST_REDIS_URL } from "@/test/redis";
import { createInstanceCache, createInvalidationBus, type InvalidationBus } from "./instance-cache";

const HOUR = 3_600_000;

describe("without Redis", () => {
  it("serves an entry for its bound, then reads again", () => {
    const cache = createInstanceCache<string>("caller", 2_000, createInvalidationBus(null));
    cache.set("sub", "customer-1", 1_000);
    expect(cache.get("sub", 2_999)).toBe("customer-1");
    expect(cache.get("sub", 3_000)).toBeUndefined();
  });

  it("caches nothing with a bound of 0", () => {
    const cache = createInstanceCache<string>("caller", 0, createInvalidationBus(null));
    cache.set("sub", "customer-1");
    expect(cache.get("sub")).toBeUndefined();
  });

  it("drops an invalidated entry in its own process at once", async () => {
    const cache = createInstanceCache<string>("caller", HOUR, createInvalidationBus(null));
    cache.set("sub", "customer-1");
    await cache.invalidate("sub");
    expect(cache.get("sub")).toBeUndefined();
  });
});

describe.runIf(await requireRedis("the Redis invalidation tests"))("with Redis", () => {
  const publishers: Redis[] = [];
  const buses: InvalidationBus[] = [];

  /** One process's bus: its own publisher and subscriber connections. */
  async function processBus(): Promise<InvalidationBus> {
    const publisher = new Redis(TEST_REDIS_URL);
    publishers.push(publisher);
    const bus = createInvalidationBus({ url: TEST_REDIS_URL, publisher });
    buses.push(bus);
    await bus.subscribed;
    return bus;
  }

  afterAll(() => {
    for (const bus of buses) bus.close();
    for (const publisher of publishers) publisher.disconnect();
  });

  it("drops an entry on every other process when one invalidates it, well before the bound", async () => {
    const [a, b, c] = await Promise.all([processBus(), processBus(), processBus()]);
    // An hour-long bound: only the message can explain the other processes dropping the entry.
    const caches = [a, b, c].map((bus) => createInstanceCache<string>("customer-access", HOUR, bus));
    const key = `customer-${crypto.randomUUID()}`;
    for (const cache of caches) cache.set(key, "pro");
    const unrelated = `customer-${crypto.randomUUID()}`;
    for (const cache of caches) cache.set(unrelated, "free");

    const started = performance.now();
    await caches[0]?.invalidate(key);
    await vi.waitFor(() => {
      for (const cache of caches) expect(cache.get(key)).toBeUndefined();
    });
    console.log(
      `[instance-cache] invalidation seen by 3 processes after ${(performance.now() - started).toFixed(1)} ms`,
    );
    for (const cache of caches) expect(cache.get(unrelated)).toBe("free");
  });

  it("keeps topics apart: an invalidated caller leaves the same key's access entry alone", async () => {
    const [a, b] = await Promise.all([processBus(), processBus()]);
    const callers = createInstanceCache<string>("caller", HOUR, a);
    const access = createInstanceCache<string>("customer-access", HOUR, b);
    const otherCallers = createInstanceCache<string>("caller", HOUR, b);
    access.set("same-key", "pro");
    otherCallers.set("same-key", "customer-1");
    await callers.invalidate("same-key");
    await vi.waitFor(() => expect(otherCallers.get("same-key")).toBeUndefined());
    expect(access.get("same-key")).toBe("pro");
  });
});
