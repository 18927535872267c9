import { describe, expect, it } from "vitest";
import { identityKey, signIdentity, verifyIdentity, type CallerIdentity } from "./identity";

const key = identityKey("x".repeat(32));
const caller: CallerIdentity = {
  subject: "client-1@clients",
  kind: "machine",
  clientId: "client-1",
  scopes: ["get:widgets"],
  expiresAt: 2_000,
};

describe("signed identity header", () => {
  it("round-trips an identity signed with the same key", () => {
    expect(verifyIdentity(signIdentity(caller, key), key, 1_000)).toEqual(caller);
  });

  it.each([
    ["absent", null],
    ["empty", ""],
    ["unsigned", Buffer.from(JSON.stringify(caller)).toString("base64url")],
    ["signed with another key", signIdentity(caller, identityKey("y".repeat(32)))],
    [
      "with a payload swapped under a valid signature",
      `${Buffer.from(JSON.stringify({ ...caller, scopes: ["delete:widgets"] })).toString("base64url")}.${signIdentity(caller, key).split(".")[1]}`,
    ],
  ])("refuses one %s", (_name, value) => {
    expect(verifyIdentity(value, key, 1_000)).toBeNull();
  });

  it("refuses an identity whose token has expired", () => {
    expect(verifyIdentity(signIdentity(caller, key), key, 2_000)).toBeNull();
  });
});
