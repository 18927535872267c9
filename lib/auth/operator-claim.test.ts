import { describe, expect, it } from "vitest";
import { claimsRole } from "./operator-claim";

/** An unsigned JWT with these claims: claimsRole reads without verifying, as it only ever refuses. */
const token = (claims: object) =>
  ["eyJhbGciOiJub25lIn0", Buffer.from(JSON.stringify(claims)).toString("base64url"), ""].join(".");
const CLAIM = "https://tollgate.example.com/roles";

describe("claimsRole", () => {
  it.each([
    ["the role in a namespaced claim", token({ [CLAIM]: ["admin"] }), CLAIM, true],
    ["another role only", token({ [CLAIM]: ["member"] }), CLAIM, false],
    ["no roles claim", token({ sub: "auth0|bob" }), CLAIM, false],
    ["a string, not a list", token({ [CLAIM]: "admin" }), CLAIM, false],
    ["the role under a dot path", token({ app_metadata: { roles: ["admin"] } }), "app_metadata.roles", true],
    ["a dot path that stops short", token({ app_metadata: "admin" }), "app_metadata.roles", false],
    ["not a JWT", "tg_test_abc", CLAIM, false],
  ])("%s", (_case, accessToken, claim, expected) => {
    expect(claimsRole(accessToken, claim, "admin")).toBe(expected);
  });
});
