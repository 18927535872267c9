import { describe, expect, it } from "vitest";
import {
  assignableRoles,
  can,
  isRole,
  mayAssign,
  PERMISSIONS,
  ROLES,
  type Permission,
  type Role,
} from "./roles";

// The table, written out again by hand: a change to ROLE_PERMISSIONS must change this test too.
const EXPECTED: Record<Role, Permission[]> = {
  owner: ["members:manage", "billing:manage", "invoices:view", "keys:manage", "usage:view"],
  admin: ["members:manage", "invoices:view", "keys:manage", "usage:view"],
  developer: ["keys:manage", "usage:view"],
  billing: ["billing:manage", "invoices:view", "usage:view"],
};

describe("the permission table", () => {
  const cases = ROLES.flatMap((role) =>
    PERMISSIONS.map((permission) => [role, permission, EXPECTED[role].includes(permission)] as const),
  );
  it.each(cases)("%s may %s: %s", (role, permission, allowed) => {
    expect(can(role, permission)).toBe(allowed);
  });

  it.each([
    ["owner", ["owner", "admin", "developer", "billing"]],
    ["admin", ["admin", "developer", "billing"]],
    ["developer", []],
    ["billing", []],
  ] as const)("%s may grant %j", (role, roles) => {
    expect(assignableRoles(role)).toEqual(roles);
  });

  it("lets an admin touch no owner, and an owner every role", () => {
    expect(mayAssign("admin", "owner")).toBe(false);
    expect(ROLES.every((role) => mayAssign("owner", role))).toBe(true);
  });

  it.each([
    ["owner", true],
    ["viewer", false],
    ["", false],
    [undefined, false],
    ["Owner", false],
  ])("isRole(%j) is %s", (value, expected) => {
    expect(isRole(value)).toBe(expected);
  });
});
