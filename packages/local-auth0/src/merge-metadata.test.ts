import { describe, expect, it } from "vitest";
import { mergeMetadata } from "./merge-metadata";

describe("mergeMetadata", () => {
  const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>]> = [
    ["adds a key", {}, { plan: "pro" }, { plan: "pro" }],
    ["replaces a key", { plan: "free" }, { plan: "pro" }, { plan: "pro" }],
    ["keeps keys the patch does not name", { a: 1, b: 2 }, { b: 3 }, { a: 1, b: 3 }],
    ["deletes a key set to null", { a: 1, b: 2 }, { a: null }, { b: 2 }],
    ["null for a missing key is a no-op", { a: 1 }, { z: null }, { a: 1 }],
    ["replaces nested objects whole", { s: { x: 1, y: 2 } }, { s: { y: 3 } }, { s: { y: 3 } }],
    ["an empty patch changes nothing", { a: 1 }, {}, { a: 1 }],
  ];

  it.each(cases)("%s", (_name, current, patch, expected) => {
    expect(mergeMetadata(current, patch)).toEqual(expected);
  });

  it("does not mutate its input", () => {
    const current = { a: 1 };
    mergeMetadata(current, { a: null, b: 2 });
    expect(current).toEqual({ a: 1 });
  });
});
