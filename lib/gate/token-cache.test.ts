import { describe, expect, it } from "vitest";
import { createTokenCache } from "./token-cache";

const T0 = Date.UTC(2030, 0, 1);
const seconds = T0 / 1000;

function setup(maxEntries = 3) {
  const clock = { now: T0 };
  const cache = createTokenCache<{ expiresAt: number; id: string }>({ maxEntries, now: () => clock.now });
  return { clock, cache };
}

describe("createTokenCache", () => {
  it("returns the stored value until exp, never at or after it", () => {
    const { clock, cache } = setup();
    const value = { expiresAt: seconds + 60, id: "a" };
    cache.set("token-a", value);
    expect(cache.get("token-a")).toBe(value);
    clock.now = T0 + 59_999;
    expect(cache.get("token-a")).toBe(value);
    clock.now = T0 + 60_000;
    expect(cache.get("token-a")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("keys by the whole token: a different token misses", () => {
    const { cache } = setup();
    cache.set("aaa.bbb.ccc", { expiresAt: seconds + 60, id: "a" });
    expect(cache.get("aaa.bbb.ccd")).toBeUndefined();
    expect(cache.get("aaa.bbb.cc")).toBeUndefined();
  });

  it("does not store a value that is already expired", () => {
    const { cache } = setup();
    cache.set("old", { expiresAt: seconds, id: "old" });
    expect(cache.size).toBe(0);
  });

  it("evicts the oldest insertion when full", () => {
    const { cache } = setup(3);
    for (const id of ["a", "b", "c", "d"]) cache.set(id, { expiresAt: seconds + 60, id });
    expect(cache.size).toBe(3);
    expect(cache.get("a")).toBeUndefined();
    expect(cache.get("d")?.id).toBe("d");
  });

  it("replacing an entry does not evict another", () => {
    const { cache } = setup(2);
    cache.set("a", { expiresAt: seconds + 60, id: "a1" });
    cache.set("b", { expiresAt: seconds + 60, id: "b" });
    cache.set("a", { expiresAt: seconds + 60, id: "a2" });
    expect(cache.get("a")?.id).toBe("a2");
    expect(cache.get("b")?.id).toBe("b");
  });

  it("delete and clear", () => {
    const { cache } = setup();
    cache.set("a", { expiresAt: seconds + 60, id: "a" });
    cache.set("b", { expiresAt: seconds + 60, id: "b" });
    cache.delete("a");
    expect(cache.get("a")).toBeUndefined();
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it("rejects a nonsensical size", () => {
    expect(() => createTokenCache({ maxEntries: 0 })).toThrow(TypeError);
  });
});
