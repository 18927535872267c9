/**
 * Defaults and fixed credentials of the local issuer. None of these are secrets: they only protect a
 * server bound to 127.0.0.1 on a developer's machine. An app passes its own audience, app address and
 * dashboard client (Tollgate's: dev/demo-tenant.ts from lib/config/local-defaults.ts).
 */

/** The Management API scopes this issuer implements (Auth0 names). */
export const MANAGEMENT_SCOPES = [
  "read:clients",
  "create:clients",
  "update:clients",
  "delete:clients",
  "read:client_keys",
  "read:client_grants",
  "create:client_grants",
  "update:client_grants",
  "delete:client_grants",
  "read:resource_servers",
  "create:resource_servers",
  "update:resource_servers",
  "delete:resource_servers",
  "read:users",
  "update:users",
  "read:signing_keys",
  "create:signing_keys",
  "update:signing_keys",
] as const;

export const LOCAL_ISSUER = {
  /** A Machine-to-Machine client granted every Management API scope above. */
  managementClientId: "tollgate-management",
  managementClientSecret: "local-management-secret-not-for-production",
  /** The password of every demo user on the email + password form (the buttons need none). */
  demoPassword: "tollgate",
  /** Auth0's default lifetime of access tokens for an API. */
  accessTokenTtlSeconds: 86_400,
  /** Auth0's default ID token lifetime (jwt_configuration.lifetime_in_seconds). */
  idTokenTtlSeconds: 36_000,
  /** Where `npm run dev` keeps created clients, grants, user metadata and keys across restarts. */
  stateFile: ".data/issuer/state.json",
  /** The API identifier (`AUTH0_AUDIENCE`) when none is given. */
  audience: "https://api.tollgate.local/",
  /** The app whose `/auth/callback` the dashboard client redirects to, when none is given. */
  appBaseUrl: "http://localhost:3000",
  /** The dashboard's Regular Web Application, when none is given. */
  dashboard: {
    clientId: "tollgate-dashboard",
    clientSecret: "local-dashboard-secret-not-for-production",
    callbackPath: "/auth/callback",
  },
} as const;

/** The Management API's audience on an issuer, as Auth0 names it: `https://{tenant}/api/v2/`. */
export function managementAudience(issuerUrl: string): string {
  return `${issuerUrl}api/v2/`;
}
