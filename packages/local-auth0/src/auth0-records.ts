import type { LocalUser } from "./users";

/** An application as Auth0's Management API returns it (the subset this issuer keeps). */
export interface Auth0Client {
  client_id: string;
  client_secret: string;
  name: string;
  description: string;
  app_type: "non_interactive" | "regular_web" | "spa" | "native";
  grant_types: string[];
  client_metadata: Record<string, string>;
  callbacks: string[];
  allowed_logout_urls: string[];
  /** Origins allowed to call the issuer from a browser (CORS); kept, not enforced here. */
  web_origins: string[];
  allowed_origins: string[];
  token_endpoint_auth_method: "client_secret_post" | "client_secret_basic";
  is_first_party: boolean;
  oidc_conformant: boolean;
  global: false;
  jwt_configuration: { alg: "RS256"; lifetime_in_seconds: number; secret_encoded: false };
  created_at: string;
  updated_at: string;
}

/** Auth0's client grant: which scopes a client may get by client credentials for an audience. */
export interface Auth0ClientGrant {
  id: string;
  client_id: string;
  audience: string;
  scope: string[];
}

/** Auth0's access token dialects this issuer implements (the `*_authz` ones add `permissions`). */
export const TOKEN_DIALECTS = ["access_token", "access_token_authz"] as const;

/** An API (resource server) as Auth0's Management API returns it (the subset this issuer keeps). */
export interface Auth0ResourceServer {
  id: string;
  name: string;
  identifier: string;
  /** Auth0's own APIs (the Management API): listed, never changed through the API. */
  is_system: boolean;
  scopes: Array<{ value: string; description: string }>;
  signing_alg: "RS256";
  /** Whether refresh tokens may be issued for this API (`offline_access`). */
  allow_offline_access: boolean;
  skip_consent_for_verifiable_first_party_clients: boolean;
  /** Lifetime of access tokens for this API, in seconds. */
  token_lifetime: number;
  token_lifetime_for_web: number;
  /** RBAC: people's tokens carry only the API scopes their roles grant. */
  enforce_policies: boolean;
  /** `access_token_authz` ("Add Permissions in the Access Token") adds the `permissions` claim. */
  token_dialect: (typeof TOKEN_DIALECTS)[number];
}

/** Auth0's defaults for a new API (POST /api/v2/resource-servers with only an identifier). */
export const RESOURCE_SERVER_DEFAULTS = {
  is_system: false,
  scopes: [],
  signing_alg: "RS256",
  allow_offline_access: false,
  skip_consent_for_verifiable_first_party_clients: true,
  token_lifetime: 86_400,
  token_lifetime_for_web: 7_200,
  enforce_policies: false,
  token_dialect: "access_token",
} as const satisfies Partial<Auth0ResourceServer>;

/** A user as GET /api/v2/users/{id} returns it. */
export interface Auth0User extends Omit<LocalUser, "app_metadata" | "user_metadata"> {
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  identities: Array<{ connection: string; provider: "auth0"; user_id: string; isSocial: false }>;
  created_at: string;
  updated_at: string;
  last_login?: string;
  logins_count: number;
}

/** A job as the Management API's /api/v2/jobs endpoints return it (verification emails only here). */
export interface Auth0Job {
  id: string;
  type: "verification_email";
  status: "pending" | "completed";
  created_at: string;
}

/**
 * An email the issuer "sent": kept in its local mailbox (/_local/mailbox) instead, with the link that
 * Auth0's verification email carries (`/u/email-verification?ticket=...`).
 */
export interface LocalEmail {
  job_id: string;
  user_id: string;
  to: string;
  ticket: string;
  sent_at: string;
  /** Set when the link was opened. */
  opened_at?: string;
}
