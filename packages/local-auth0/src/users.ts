/**
 * People of the local tenant. Permissions come from roles, as with Auth0 RBAC, and apply to the API
 * audience the issuer is started with; with "Add Permissions in the Access Token" on, Auth0 puts them
 * in the access token's `permissions` claim. The issuer is given its users and roles
 * (`createLocalIssuer({ users, roles })`); it has none of its own.
 */

/** An Auth0 role: a named set of API permissions. */
export interface Role {
  name: string;
  description: string;
  permissions: readonly string[];
}

/** A user, with the profile fields Auth0 keeps for a database connection user. */
export interface LocalUser {
  user_id: `auth0|${string}`;
  email: string;
  email_verified: boolean;
  name: string;
  nickname: string;
  picture: string;
  /** Names of `roles`. */
  roles: readonly string[];
  app_metadata?: Record<string, unknown>;
  user_metadata?: Record<string, unknown>;
}

/** The API permissions a user holds through their roles, deduplicated, in role order. */
export function permissionsOf(user: Pick<LocalUser, "roles">, roles: readonly Role[]): string[] {
  const permissions = new Set<string>();
  for (const roleName of user.roles) {
    for (const permission of roles.find((role) => role.name === roleName)?.permissions ?? []) {
      permissions.add(permission);
    }
  }
  return [...permissions];
}
