import { requiredScopes, type HttpMethod } from "../../lib/api/catalog";
import { catalog } from "../../product/operations";

/**
 * The demo people of the local issuer, the only place they are defined. Permissions come from roles,
 * as with Auth0 RBAC, and apply to the API audience the issuer is started with; with "Add Permissions
 * in the Access Token" on, Auth0 puts them in the access token's `permissions` claim. The roles'
 * permissions follow the catalog (product/operations.ts), so a new operation's scope needs no edit here.
 */

/** An Auth0 role: a named set of API permissions. */
export interface DemoRole {
  name: string;
  description: string;
  permissions: readonly string[];
}

/** A demo user, with the profile fields Auth0 keeps for a database connection user. */
export interface DemoUser {
  user_id: `auth0|${string}`;
  email: string;
  email_verified: boolean;
  name: string;
  nickname: string;
  picture: string;
  roles: readonly string[];
  app_metadata?: Record<string, unknown>;
  user_metadata?: Record<string, unknown>;
}

export const DEMO_ROLES: readonly DemoRole[] = [
  {
    name: "admin",
    description: "Every operation of the API",
    permissions: catalog.scopes,
  },
  {
    name: "member",
    description: "Every operation of the API but deletes",
    permissions: scopesOf((method) => method !== "DELETE"),
  },
];

export const DEMO_USERS: readonly DemoUser[] = [
  {
    user_id: "auth0|alice",
    email: "alice@example.com",
    email_verified: true,
    name: "Alice Admin",
    nickname: "alice",
    picture: "https://s.gravatar.com/avatar/alice?s=480&d=identicon",
    roles: ["admin"],
  },
  {
    user_id: "auth0|bob",
    email: "bob@example.com",
    email_verified: true,
    name: "Bob Member",
    nickname: "bob",
    picture: "https://s.gravatar.com/avatar/bob?s=480&d=identicon",
    roles: ["member"],
  },
  {
    user_id: "auth0|carol",
    email: "carol@example.com",
    email_verified: true,
    name: "Carol Newcomer",
    nickname: "carol",
    picture: "https://s.gravatar.com/avatar/carol?s=480&d=identicon",
    roles: [],
  },
  // Signed up, never opened the verification email: the dashboard opens no account for her until she
  // does (the issuer's mailbox, /_local/mailbox, holds the link once the app resends it).
  {
    user_id: "auth0|dana",
    email: "dana@example.com",
    email_verified: false,
    name: "Dana Unverified",
    nickname: "dana",
    picture: "https://s.gravatar.com/avatar/dana?s=480&d=identicon",
    roles: [],
  },
];

/** The API permissions a user holds through their roles, deduplicated, in role order. */
export function permissionsOf(
  user: Pick<DemoUser, "roles">,
  roles: readonly DemoRole[] = DEMO_ROLES,
): string[] {
  const permissions = new Set<string>();
  for (const roleName of user.roles) {
    for (const permission of roles.find((role) => role.name === roleName)?.permissions ?? []) {
      permissions.add(permission);
    }
  }
  return [...permissions];
}

/** The scopes of the catalog's operations whose method passes `include`, in catalog order. */
export function scopesOf(include: (method: HttpMethod) => boolean): string[] {
  const operations = catalog.operations.filter((operation) => include(operation.method));
  return [...new Set(operations.flatMap((operation) => requiredScopes(operation.scopes)))];
}
