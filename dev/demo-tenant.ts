/**
 * Tollgate's local Auth0 tenant: the demo people and roles, and the local issuer started with them
 * and with the app's local settings (lib/config/local-defaults.ts). The roles' permissions follow the
 * catalog (product/operations.ts), so a new operation's scope needs no edit here.
 */
import {
  createLocalIssuer,
  EXAMPLE_PEOPLE,
  type LocalIssuer,
  type LocalIssuerOptions,
  type LocalUser,
  type Role,
} from "@tollgate/local-auth0";
import { requiredScopes, type HttpMethod } from "../lib/api/catalog";
import { LOCAL } from "../lib/config/local-defaults";
import { catalog } from "../product/operations";

export const DEMO_ROLES: readonly Role[] = [
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

/** The package's example people: Alice (admin), Bob (member), Carol (no role), Dana (unverified). */
export const DEMO_USERS: readonly LocalUser[] = EXAMPLE_PEOPLE;

/** The scopes of the catalog's operations whose method passes `include`, in catalog order. */
export function scopesOf(include: (method: HttpMethod) => boolean): string[] {
  const operations = catalog.operations.filter((operation) => include(operation.method));
  return [...new Set(operations.flatMap((operation) => requiredScopes(operation.scopes)))];
}

/**
 * The local issuer with Tollgate's demo people and roles, the app's API audience, address and
 * dashboard client; `options` override any of them.
 */
export function createDemoIssuer(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
  return createLocalIssuer({
    users: DEMO_USERS,
    roles: DEMO_ROLES,
    audience: LOCAL.audience,
    appBaseUrl: LOCAL.appBaseUrl,
    dashboardClient: { clientId: LOCAL.dashboardClientId, clientSecret: LOCAL.dashboardClientSecret },
    ...options,
  });
}
