import { describe, expect, it } from "vitest";
import { GateError } from "./errors";
import { checkScopes, type ScopeRequirement } from "./scopes";

const cases: Array<{
  name: string;
  granted: string[];
  required: ScopeRequirement;
  ok: boolean;
  scope?: string[];
}> = [
  { name: "no requirement", granted: [], required: {}, ok: true },
  { name: "empty allOf", granted: [], required: { allOf: [] }, ok: true },
  {
    name: "allOf, all granted",
    granted: ["read:a", "write:a"],
    required: { allOf: ["read:a", "write:a"] },
    ok: true,
  },
  { name: "allOf, more granted", granted: ["read:a", "x"], required: { allOf: ["read:a"] }, ok: true },
  {
    name: "allOf, one missing",
    granted: ["read:a"],
    required: { allOf: ["read:a", "write:a"] },
    ok: false,
    scope: ["read:a", "write:a"],
  },
  { name: "allOf, none granted", granted: [], required: { allOf: ["read:a"] }, ok: false, scope: ["read:a"] },
  { name: "anyOf, one granted", granted: ["write:a"], required: { anyOf: ["read:a", "write:a"] }, ok: true },
  {
    name: "anyOf, none granted",
    granted: ["other"],
    required: { anyOf: ["read:a", "write:a"] },
    ok: false,
    scope: ["read:a", "write:a"],
  },
  {
    name: "scopes are case-sensitive",
    granted: ["READ:A"],
    required: { allOf: ["read:a"] },
    ok: false,
    scope: ["read:a"],
  },
  {
    name: "no prefix matching",
    granted: ["read"],
    required: { allOf: ["read:a"] },
    ok: false,
    scope: ["read:a"],
  },
  {
    name: "both allOf and anyOf must hold",
    granted: ["read:a", "x"],
    required: { allOf: ["read:a"], anyOf: ["admin", "owner"] } as ScopeRequirement,
    ok: false,
    scope: ["read:a", "admin", "owner"],
  },
  {
    name: "both allOf and anyOf satisfied",
    granted: ["read:a", "owner"],
    required: { allOf: ["read:a"], anyOf: ["admin", "owner"] } as ScopeRequirement,
    ok: true,
  },
];

describe("checkScopes", () => {
  it.each(cases)("$name", ({ granted, required, ok, scope }) => {
    const check = () => checkScopes(new Set(granted), required);
    if (ok) {
      expect(check).not.toThrow();
      return;
    }
    expect(check).toThrow(GateError);
    try {
      check();
    } catch (error) {
      expect(error).toMatchObject({ code: "ERR_INSUFFICIENT_SCOPE", status: 403, requiredScopes: scope });
    }
  });

  it("refuses an empty anyOf as a catalog mistake", () => {
    expect(() => checkScopes(new Set(["a"]), { anyOf: [] })).toThrow(TypeError);
  });
});
