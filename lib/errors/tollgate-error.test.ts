import { describe, expect, it, vi } from "vitest";
import { GateError, isGateError } from "@/lib/gate/errors";
import { TollgateError } from "./tollgate-error";

describe("TollgateError across copies of its module", () => {
  // Next bundles the proxy, the route handlers and server actions apart: each has its own copy of these
  // classes, and the gate (a process singleton) may have been made by any of them.
  it("is recognised by another copy's instanceof and isGateError", async () => {
    vi.resetModules();
    const other = {
      errors: await import("./tollgate-error"),
      gate: await import("@/lib/gate/errors"),
    };
    expect(other.errors.TollgateError).not.toBe(TollgateError);
    const foreignGateError = new other.gate.GateError("ERR_API_KEY_INVALID", "no such API key");
    expect(foreignGateError instanceof TollgateError).toBe(true);
    expect(foreignGateError instanceof GateError).toBe(true);
    expect(isGateError(foreignGateError)).toBe(true);

    const foreignPlain = new other.errors.TollgateError("ERR_NOT_FOUND");
    expect(foreignPlain instanceof TollgateError).toBe(true);
    expect(foreignPlain instanceof GateError).toBe(false);
    expect(isGateError(foreignPlain)).toBe(false);
  });

  it("is not fooled by other errors or look-alikes without the brand", () => {
    expect(new Error("ERR_NOT_FOUND") instanceof TollgateError).toBe(false);
    expect(
      Object.assign(new Error("x"), { name: "GateError", code: "ERR_TOKEN_MISSING" }) instanceof GateError,
    ).toBe(false);
    expect((null as unknown) instanceof TollgateError).toBe(false);
  });
});
