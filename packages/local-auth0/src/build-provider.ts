import Provider, {
  errors,
  type Client,
  type Configuration,
  type IssuedToken,
  type KoaContextWithOIDC,
  type ResourceServerInfo,
  type StructuredToken,
} from "oidc-provider";
import { createAdapterClass } from "./adapter";
import { LOCAL_ISSUER } from "./constants";
import { escapeHtml, urlAllowed } from "@tollgate/local-http";
import type { Auth0ResourceServer, Auth0User } from "./auth0-records";
import type { IssuerState } from "./issuer-state";
import { permissionsOf, type Role } from "./users";

/** Auth0's paths, so that the app's Auth0 SDK finds every endpoint where it would on Auth0. */
export const AUTH0_ROUTES = {
  authorization: "/authorize",
  token: "/oauth/token",
  userinfo: "/userinfo",
  jwks: "/.well-known/jwks.json",
  end_session: "/oidc/logout",
  revocation: "/oauth/revoke",
  pushed_authorization_request: "/oauth/par",
} as const;

const OIDC_SCOPES = new Set(["openid", "profile", "email", "offline_access"]);

/** What the provider needs to know about the issuer it serves. */
export interface ProviderSettings {
  issuerUrl: string;
  /** The roles people's permissions come from. */
  roles: readonly Role[];
  /** The claim people's access tokens carry their roles in (see LocalIssuerOptions.rolesClaim). */
  rolesClaim?: string;
}

/** Auth0's token endpoint denial: 403 `access_denied` with a description saying what is missing. */
class AccessDenied extends errors.OIDCProviderError {
  constructor(description: string) {
    super(403, "access_denied");
    this.error_description = description;
  }
}

/** The OIDC claims of a user, as Auth0 returns them for the `profile` and `email` scopes. */
export function userClaims(user: Auth0User): { sub: string; [claim: string]: unknown } {
  return {
    sub: user.user_id,
    name: user.name,
    nickname: user.nickname,
    picture: user.picture,
    updated_at: user.updated_at,
    email: user.email,
    email_verified: user.email_verified,
  };
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;line-height:1.5}button{font:inherit;padding:.5rem 1rem}</style></head>
<body><main>${body}</main></body></html>`;
}

/**
 * Builds the oidc-provider instance for the current signing keys. Called again on every key rotation;
 * all state lives in `state`, so sessions, codes and clients carry over.
 */
export function buildProvider(settings: ProviderSettings, state: IssuerState): Provider {
  const { issuerUrl } = settings;

  /** The API whose identifier is `audience` (APIs > Settings > Identifier); ids do not count here. */
  const apiFor = (audience: unknown): Auth0ResourceServer | undefined =>
    typeof audience === "string"
      ? [...state.resourceServers.values()].find((server) => server.identifier === audience)
      : undefined;

  async function getResourceServerInfo(
    ctx: KoaContextWithOIDC,
    resource: string,
    client: Client,
  ): Promise<ResourceServerInfo> {
    const jwt = { sign: { alg: "RS256" } };
    const params = ctx.oidc.params ?? {};
    const server = apiFor(resource);
    if (params.grant_type === "client_credentials") {
      if (!server) throw new AccessDenied(`Service not found: ${resource}`);
      const grant = state.findClientGrant(client.clientId, resource);
      if (!grant) {
        throw new AccessDenied(
          `Client "${client.clientId}" is not authorized to access "${resource}". You need to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants`,
        );
      }
      const requested = typeof params.scope === "string" ? params.scope.split(" ").filter(Boolean) : [];
      const missing = requested.filter((scope) => !grant.scope.includes(scope));
      if (missing.length > 0)
        throw new AccessDenied(`Client has not been granted scopes: ${missing.join(" ")}`);
      // Auth0 grants every scope of the client grant when the request names none.
      if (requested.length === 0) params.scope = grant.scope.join(" ");
      return {
        audience: resource,
        scope: grant.scope.join(" "),
        accessTokenFormat: "jwt",
        accessTokenTTL: server.token_lifetime,
        jwt,
      };
    }
    // People's tokens are for the tenant's own APIs (this issuer keeps no Management API user scopes).
    if (!server || server.is_system) throw new errors.InvalidTarget(`Service not found: ${resource}`);
    return {
      audience: resource,
      scope: server.scopes.map((scope) => scope.value).join(" "),
      accessTokenFormat: "jwt",
      accessTokenTTL: server.token_lifetime,
      jwt,
    };
  }

  /** Reshapes oidc-provider's JWT access tokens into Auth0's (claims and `typ`). */
  async function auth0AccessToken(
    ctx: KoaContextWithOIDC,
    token: IssuedToken,
    jwt: StructuredToken,
  ): Promise<void> {
    const { payload } = jwt;
    const clientId = token.clientId ?? "";
    let sub = payload.sub;
    let aud = payload.aud;
    let scope = token.scope;
    let permissions: string[];
    let gty: string | undefined;
    let roles: Record<string, string[]> = {};
    const server = apiFor(Array.isArray(aud) ? aud[0] : aud);
    // "Add Permissions in the Access Token" (Auth0 offers it only with RBAC on).
    const addPermissions = server?.token_dialect === "access_token_authz";
    if (token.kind === "ClientCredentials") {
      sub = `${clientId}@clients`;
      gty = "client-credentials";
      permissions = scope ? scope.split(" ") : [];
    } else {
      const user = token.accountId ? state.users.get(token.accountId) : undefined;
      if (settings.rolesClaim && user) roles = { [settings.rolesClaim]: [...user.roles] };
      const defined = new Set(server?.scopes.map((item) => item.value));
      permissions = user
        ? permissionsOf(user, settings.roles).filter((permission) => defined.has(permission))
        : [];
      // The token's scope keeps the requested OIDC scopes, and the API scopes granted: with RBAC
      // (enforce_policies) only those the user's roles hold, without it every one requested.
      const source = ctx.oidc.entities.AuthorizationCode ?? ctx.oidc.entities.RefreshToken;
      const requested = (source?.scope ?? "").split(" ").filter(Boolean);
      const oidcScopes = requested.filter((value) => OIDC_SCOPES.has(value));
      const apiScopes = (token.scope ?? "")
        .split(" ")
        .filter((value) => value && (!server?.enforce_policies || permissions.includes(value)));
      scope = [...oidcScopes, ...apiScopes].join(" ") || undefined;
      if (oidcScopes.includes("openid") && typeof aud === "string") aud = [aud, `${issuerUrl}userinfo`];
    }
    jwt.header = { typ: "JWT" };
    jwt.payload = {
      iss: payload.iss,
      sub,
      aud,
      iat: payload.iat,
      exp: payload.exp,
      jti: payload.jti,
      ...(scope ? { scope } : {}),
      ...(gty ? { gty } : {}),
      azp: clientId,
      ...roles,
      ...(addPermissions && (token.kind === "ClientCredentials" || server?.enforce_policies === true)
        ? { permissions }
        : {}),
    };
  }

  const configuration: Configuration = {
    adapter: createAdapterClass(state),
    jwks: { keys: state.keys.map((key) => key.privateJwk) },
    cookies: {
      keys: state.cookieKeys,
      // Cookies are per host, not per port: keep clear of the app's names on the same localhost.
      names: { session: "issuer_session", interaction: "issuer_interaction", resume: "issuer_resume" },
    },
    routes: { ...AUTH0_ROUTES },
    scopes: ["openid", "offline_access", "profile", "email"],
    claims: {
      openid: ["sub"],
      profile: ["name", "nickname", "picture", "updated_at"],
      email: ["email", "email_verified"],
    },
    // Auth0 puts the profile and email claims in the ID token, not only at /userinfo.
    conformIdTokenClaims: false,
    clockTolerance: 5,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: false },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // Auth0's /oidc/logout asks nothing: submit oidc-provider's confirmation form straight away.
        async logoutSource(ctx, form) {
          ctx.type = "html";
          ctx.body = page(
            "Signing out",
            `<h1>Signing out</h1>${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<script>document.querySelector('button[name="logout"]').click()</script>`,
          );
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = "html";
          ctx.body = page("Signed out", "<h1>You are signed out</h1>");
        },
      },
      resourceIndicators: {
        enabled: true,
        // Auth0 issues the token for the audience of the authorization request without it being resent.
        useGrantedResource: async () => true,
        getResourceServerInfo,
      },
    },
    formats: { customizers: { jwt: auth0AccessToken } },
    // Auth0 issues a refresh token only for an API that allows offline access (APIs > Settings).
    async issueRefreshToken(_ctx, client, source) {
      if (!client.grantTypeAllowed("refresh_token") || !source.scopes.has("offline_access")) return false;
      const resource = source.resource;
      const identifier = Array.isArray(resource) ? resource[0] : resource;
      return identifier === undefined || apiFor(identifier)?.allow_offline_access === true;
    },
    async findAccount(_ctx, sub) {
      const user = state.users.get(sub);
      if (!user) return undefined;
      return { accountId: sub, claims: () => userClaims(user) };
    },
    async renderError(ctx, out) {
      ctx.type = "html";
      ctx.body = page(
        "Error",
        `<h1>Something went wrong</h1>${Object.entries(out)
          .map(([key, value]) => `<p><strong>${escapeHtml(key)}</strong>: ${escapeHtml(String(value))}</p>`)
          .join("")}`,
      );
    },
    ttl: {
      // The API's token lifetime (APIs > Settings), as getResourceServerInfo sets it.
      AccessToken: (_ctx, token) =>
        token.resourceServer?.accessTokenTTL ?? LOCAL_ISSUER.accessTokenTtlSeconds,
      ClientCredentials: (_ctx, token) =>
        token.resourceServer?.accessTokenTTL ?? LOCAL_ISSUER.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: LOCAL_ISSUER.idTokenTtlSeconds,
      Interaction: 60 * 60,
      Session: 14 * 24 * 60 * 60,
      Grant: 14 * 24 * 60 * 60,
      RefreshToken: 30 * 24 * 60 * 60,
    },
  };

  const provider = new Provider(issuerUrl, configuration);

  // Exact redirect URIs, plus the same URI on any loopback port (tests run the app on ephemeral ports).
  const ClientClass = provider.Client;
  ClientClass.prototype.redirectUriAllowed = function redirectUriAllowed(this: Client, value: string) {
    return urlAllowed(value, this.redirectUris);
  };
  ClientClass.prototype.postLogoutRedirectUriAllowed = function postLogoutRedirectUriAllowed(
    this: Client,
    value: string,
  ) {
    return urlAllowed(value, this.postLogoutRedirectUris, { ignoreQuery: true });
  };

  return provider;
}
