import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type Provider from "oidc-provider";
import {
  handleAuth0Logout,
  handleJwtUserinfo,
  prepareTokenRequest,
  rewriteAuthorizeUrl,
} from "./auth0-endpoints";
import type { Auth0Client } from "./auth0-records";
import { buildProvider } from "./build-provider";
import { LOCAL_ISSUER, MANAGEMENT_SCOPES, managementAudience } from "./constants";
import { BodyError, sendJson } from "@tollgate/local-http";
import { createInteractionHandler } from "./interactions";
import { IssuerState } from "./issuer-state";
import { EMAIL_VERIFICATION_PATH, MAILBOX_PATH, createMailboxHandler } from "./mailbox";
import {
  createManagementApi,
  type ManagementRequest,
  type ManagementThrottle,
} from "./management/management-api";
import { generateSigningKey } from "./signing-key";
import { permissionsOf, type LocalUser, type Role } from "./users";

/** A client to create at start-up, with an optional client grant (Auth0: APIs > Machine to Machine). */
export interface SeedClient {
  client_id: string;
  client_secret: string;
  name: string;
  app_type?: Auth0Client["app_type"];
  grant_types?: string[];
  callbacks?: string[];
  allowed_logout_urls?: string[];
  grants?: Array<{ audience: string; scope: string[] }>;
  /** Scopes granted on this issuer's Management API (whose audience is known once it listens). */
  managementScopes?: readonly string[];
}

export interface LocalIssuerOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  /**
   * Address to listen on; default 127.0.0.1. Another local address only where a test must reach the
   * issuer by a host name that resolves there (the deploy rehearsal).
   */
  listenAddress?: string;
  /**
   * The issuer identifier, with Auth0's trailing slash; default `http://localhost:{port}/`, or
   * `https://localhost:{port}/` with `tls`.
   */
  issuerUrl?: string;
  /**
   * Serve HTTPS with this key and certificate (PEM), as a real tenant does: the app then reaches the
   * issuer through the same code path as Auth0 (`AUTH0_DOMAIN=localhost:{port}`), trusting the
   * certificate through NODE_EXTRA_CA_CERTS.
   */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * Start as a new Auth0 tenant does: no applications and no API besides the Management API, only the
   * demo people and `clients` (e.g. the Machine to Machine application a person creates by hand).
   * `npm run setup:auth0` creates the rest through the Management API. Default false: the demo API
   * (`audience`), the dashboard application and the management client are there from the start.
   */
  emptyTenant?: boolean;
  /** The API identifier (`AUTH0_AUDIENCE`) of the demo API. */
  audience?: string;
  /** The demo API's scopes; default: every permission any user holds. */
  apiScopes?: readonly string[];
  /** The people of the tenant; default none. */
  users?: readonly LocalUser[];
  /** The roles `users` name, with their permissions on the API; default none. */
  roles?: readonly Role[];
  /** Extra clients beside the dashboard and management clients. */
  clients?: readonly SeedClient[];
  /** The dashboard's client (a Regular Web Application); default dashboard. */
  dashboardClient?: { clientId: string; clientSecret: string };
  /** The app whose `/auth/callback` the dashboard client redirects to; any loopback port is accepted. */
  appBaseUrl?: string;
  /** A JSON file that keeps created clients, grants, user metadata and keys across restarts. */
  stateFile?: string;
  /**
   * Put each person's roles in their access tokens under this claim, as the Auth0 post-login Action
   * `api.accessToken.setCustomClaim(claim, event.authorization.roles)` does (GATE_ROLES_CLAIM).
   * Default: no roles claim, as on a tenant without that Action.
   */
  rolesClaim?: string;
}

/** A running local issuer. */
export interface LocalIssuer {
  /** The issuer identifier, e.g. `http://localhost:4010/` (trailing slash, as Auth0's `iss`). */
  url: string;
  port: number;
  /** The demo API's identifier (not created with `emptyTenant`). */
  audience: string;
  /** `${url}api/v2/`: the audience of Management API tokens. */
  managementAudience: string;
  /** The `kid` new tokens are signed with. */
  currentKid(): string;
  /**
   * Makes a new signing key current. `keepOld: true` (the default, like Auth0's rotate) keeps
   * publishing the previous keys so tokens they signed stay valid; `false` drops them.
   */
  rotateKeys(options?: { keepOld?: boolean }): Promise<{ kid: string }>;
  /** Test hook: the next matching Management API requests answer 429 with Retry-After. */
  throttleManagementApi(throttle: ManagementThrottle): void;
  /** Every Management API request answered so far, oldest first, with its status. */
  managementRequests(): ManagementRequest[];
  state: IssuerState;
  close(): Promise<void>;
}

/**
 * Starts the local Auth0-compatible issuer on 127.0.0.1: oidc-provider behind Auth0's paths, token
 * shapes, logout and Management API subset.
 *
 * @example
 * const issuer = await createLocalIssuer({ port: 0, audience: "https://api.tollgate.local/" });
 * // issuer.url === "http://localhost:54321/"
 * await issuer.close();
 */
export async function createLocalIssuer(options: LocalIssuerOptions = {}): Promise<LocalIssuer> {
  const audience = options.audience ?? LOCAL_ISSUER.audience;
  const users = options.users ?? [];
  const roles = options.roles ?? [];
  const dashboard = { ...LOCAL_ISSUER.dashboard, ...options.dashboardClient };
  const apiScopes = options.apiScopes ?? [...new Set(users.flatMap((user) => permissionsOf(user, roles)))];
  const appBaseUrl = (options.appBaseUrl ?? LOCAL_ISSUER.appBaseUrl).replace(/\/$/, "");
  const state = new IssuerState(options.stateFile);

  let provider: Provider | undefined;
  let providerCallback: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  let issuerUrl = "";
  const getProvider = (): Provider => {
    if (!provider) throw new Error("issuer not started");
    return provider;
  };

  const handleInteraction = createInteractionHandler(getProvider, state);
  // Set once the issuer URL (and so the Management API audience) is known, after listening.
  const late: { management?: ReturnType<typeof createManagementApi> } = {};
  const handleMailbox = createMailboxHandler(state, appBaseUrl);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!providerCallback) {
      sendJson(res, 503, { error: "temporarily_unavailable", error_description: "the issuer is starting" });
      return;
    }
    const url = new URL(req.url ?? "/", issuerUrl);
    const path = url.pathname;
    try {
      if (path.startsWith("/api/v2/") && late.management) return await late.management.handle(req, res, url);
      if (path.startsWith("/interaction/")) return await handleInteraction(req, res, url);
      if (path === MAILBOX_PATH || path === EMAIL_VERIFICATION_PATH) return handleMailbox(req, res, url);
      if (path === "/v2/logout" && req.method === "GET") {
        return await handleAuth0Logout(req, res, url, getProvider(), state);
      }
      if (path === "/userinfo") {
        const [scheme, token] = (req.headers.authorization ?? "").split(" ");
        if (scheme?.toLowerCase() === "bearer" && token && token.split(".").length === 3) {
          return await handleJwtUserinfo(res, token, issuerUrl, state);
        }
      }
      if (path === "/authorize" && req.method === "GET") rewriteAuthorizeUrl(req, url);
      if (path === "/oauth/token" && req.method === "POST" && !(await prepareTokenRequest(req, res))) return;
      await providerCallback(req, res);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof BodyError) {
        sendJson(res, error.status, { error: "invalid_request", error_description: error.message });
        return;
      }
      console.error("[issuer] unexpected error", error instanceof Error ? error.message : error);
      sendJson(res, 500, {
        error: "server_error",
        error_description: "unexpected error in the local issuer",
      });
    }
  }

  function install(): void {
    provider = buildProvider({ issuerUrl, roles, rolesClaim: options.rolesClaim }, state);
    provider.on("server_error", (_ctx, error) => {
      console.error("[issuer] server_error", error instanceof Error ? error.message : error);
    });
    providerCallback = provider.callback();
  }

  async function rotateKeys(rotation: { keepOld?: boolean } = {}): Promise<{ kid: string }> {
    const key = await generateSigningKey();
    state.keys = rotation.keepOld === false ? [key] : [key, ...state.keys];
    state.save();
    install();
    return { kid: key.kid };
  }

  // Bind to loopback only: these credentials are public.
  const listener = (req: IncomingMessage, res: ServerResponse) => void handle(req, res);
  const server = options.tls ? createHttpsServer(options.tls, listener) : createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.listenAddress ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  issuerUrl = options.issuerUrl ?? `${options.tls ? "https" : "http"}://localhost:${port}/`;
  if (!issuerUrl.endsWith("/"))
    throw new Error(`issuerUrl must end with "/" as Auth0's iss does: ${issuerUrl}`);
  const mgmtAudience = managementAudience(issuerUrl);

  for (const user of users) state.addUser(user);
  // Every tenant has the Management API; Auth0 lists it among the APIs as a system API.
  state.seedResourceServer({
    name: "Auth0 Management API",
    identifier: mgmtAudience,
    is_system: true,
    scopes: MANAGEMENT_SCOPES.map((value) => ({ value, description: value })),
  });
  if (!options.emptyTenant) {
    state.seedResourceServer({
      name: "Tollgate API",
      identifier: audience,
      scopes: apiScopes.map((value) => ({ value, description: value })),
      allow_offline_access: true,
      enforce_policies: true,
      token_dialect: "access_token_authz",
    });
    state.seedClient({
      client_id: dashboard.clientId,
      client_secret: dashboard.clientSecret,
      name: "Tollgate Dashboard",
      app_type: "regular_web",
      grant_types: ["authorization_code", "refresh_token", "client_credentials"],
      callbacks: [`${appBaseUrl}${dashboard.callbackPath}`],
      allowed_logout_urls: [appBaseUrl, `${appBaseUrl}/`],
    });
    state.seedClient({
      client_id: LOCAL_ISSUER.managementClientId,
      client_secret: LOCAL_ISSUER.managementClientSecret,
      name: "Tollgate Management (M2M)",
      app_type: "non_interactive",
      grant_types: ["client_credentials"],
    });
    // Both may call the Management API, as an Auth0 Regular Web App authorized for it can.
    for (const clientId of [LOCAL_ISSUER.managementClientId, dashboard.clientId]) {
      state.createClientGrant({ client_id: clientId, audience: mgmtAudience, scope: [...MANAGEMENT_SCOPES] });
    }
  }
  for (const seed of options.clients ?? []) {
    const { grants, managementScopes, ...client } = seed;
    state.seedClient(client);
    for (const grant of grants ?? []) state.createClientGrant({ client_id: seed.client_id, ...grant });
    if (managementScopes) {
      state.createClientGrant({
        client_id: seed.client_id,
        audience: mgmtAudience,
        scope: [...managementScopes],
      });
    }
  }
  const loadedKeys = await state.load();
  if (!loadedKeys) state.keys = [await generateSigningKey()];
  state.save();

  late.management = createManagementApi({
    issuerUrl,
    state,
    hooks: {
      rotateSigningKey: () => rotateKeys({ keepOld: true }),
      async revokeSigningKey(kid) {
        const index = state.keys.findIndex((key) => key.kid === kid);
        if (index <= 0) return false;
        state.keys = state.keys.filter((key) => key.kid !== kid);
        state.save();
        install();
        return true;
      },
    },
  });
  install();

  return {
    url: issuerUrl,
    port,
    audience,
    managementAudience: mgmtAudience,
    currentKid: () => state.keys[0]?.kid ?? "",
    rotateKeys,
    throttleManagementApi: (throttle) => late.management?.throttle(throttle),
    managementRequests: () => late.management?.requests() ?? [],
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
