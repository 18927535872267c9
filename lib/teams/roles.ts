/**
 * The roles of a team and what each may do: the one table every page and server action consults.
 *
 * - owner: everything, and the only role that can make or unmake owners. A team always keeps one.
 * - admin: everything but billing (members and invitations below owner, keys and clients, invoices).
 * - developer: API keys and machine clients, and the team's usage.
 * - billing: the plan (Checkout, the billing portal), invoices, and the team's usage.
 *
 * Every member sees the team's overview (plan and usage) and its member list.
 */
export const ROLES = ["owner", "admin", "developer", "billing"] as const;

export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  /** Invite, change roles, remove members, revoke or resend invitations. */
  "members:manage",
  /** Start Checkout, open the billing portal. */
  "billing:manage",
  /** See the team's invoices. */
  "invoices:view",
  /** Create and revoke API keys and machine clients; see one's own API token. */
  "keys:manage",
  /** See the team's plan and usage. */
  "usage:view",
] as const;

export type Permission = (typeof PERMISSIONS)[number];

/** Which role may do what. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  owner: PERMISSIONS,
  admin: ["members:manage", "invoices:view", "keys:manage", "usage:view"],
  developer: ["keys:manage", "usage:view"],
  billing: ["billing:manage", "invoices:view", "usage:view"],
};

/** Whether `role` may do `permission`. */
export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** Whether a stored or submitted value is a role. */
export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/**
 * Whether someone of role `actor` may give `target` (a role being granted, or the current role of the
 * member being changed or removed): owners touch any role, admins everything below owner.
 */
export function mayAssign(actor: Role, target: Role): boolean {
  if (!can(actor, "members:manage")) return false;
  return actor === "owner" || target !== "owner";
}

/** The roles `actor` may grant, for the invite form and the role menus. */
export function assignableRoles(actor: Role): Role[] {
  return ROLES.filter((role) => mayAssign(actor, role));
}

/** A role as shown to people: "Owner", "Developer"... */
export function roleLabel(role: Role): string {
  return role.charAt(0).toUpperCase() + role.slice(1);
}

/** What a role may do, in words, for the team page. */
export const ROLE_DESCRIPTIONS: Readonly<Record<Role, string>> = {
  owner: "Everything, including billing and other owners.",
  admin: "Members, API keys and clients, invoices; not billing.",
  developer: "API keys and clients, usage.",
  billing: "Plan and payment, invoices, usage.",
};
