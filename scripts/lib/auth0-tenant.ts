/**
 * What `npm run setup:auth0` does, against any Auth0 tenant (or the local issuer, which implements the
 * same Management API subset): creates or updates the API with the catalog's scopes and the dashboard's
 * Regular Web Application. Idempotent: a second run finds everything as wanted and changes nothing.
 */
import { decodeJwt } from "jose";
import { z } from "zod";
import { catalog } from "@/product/operations";
import { scopeName } from "@/lib/billing/plans";
import { ClientCredentialsError, createClientCredentials } from "@/lib/gate/client-credentials";

/** Management API scopes this setup needs on the Machine to Machine application. */
export const SETUP_SCOPES = [
  "read:resource_servers",
  "create:resource_servers",
  "update:resource_servers",
  "read:clients",
  "create:clients",
  "update:clients",
] as const;

/**
 * Management API scopes the running app needs (lib/auth/management.ts): create and delete customers'
 * machine clients with their grant, and record the Stripe customer id on the person.
 */
export const APP_SCOPES = [
  "create:clients",
  "delete:clients",
  "create:client_grants",
  "update:users",
] as const;

/** The application's name in the Auth0 dashboard, and the marker that finds it again. */
export const DASHBOARD_NAME = "Tollgate Dashboard";
const DASHBOARD_MARKER = { key: "tollgate", value: "dashboard" } as const;
export const API_NAME = "Tollgate API";

/** What the API must look like (APIs > Tollgate API > Settings and Permissions). */
const API_SETTINGS = {
  signing_alg: "RS256",
  // RBAC, and "Add Permissions in the Access Token": people's tokens carry their roles' permissions.
  enforce_policies: true,
  token_dialect: "access_token_authz",
  // The dashboard asks for offline_access: a refresh token renews a person's API token.
  allow_offline_access: true,
  skip_consent_for_verifiable_first_party_clients: true,
} as const;

/** Why the setup stopped; `message` says what to do, and never contains a secret or a token. */
export class SetupError extends Error {
  override name = "SetupError";
}

export interface TenantSetupOptions {
  /** The tenant's base URL with a trailing slash, `https://{AUTH0_DOMAIN}/`. */
  tenantUrl: string;
  managementClientId: string;
  managementClientSecret: string;
  /** The app's public URL (APP_BASE_URL). */
  appBaseUrl: string;
  /** The API identifier (AUTH0_AUDIENCE). */
  audience: string;
  /** An existing Regular Web Application to update (AUTH0_CLIENT_ID); default: the one this made. */
  dashboardClientId?: string;
  fetch?: typeof fetch;
}

/** One line of the report: what was done to which object. */
export interface Change {
  action: "created" | "updated" | "unchanged";
  what: string;
}

export interface TenantSetupResult {
  changes: Change[];
  /** The dashboard application; the secret only when it was created by this run. */
  dashboard: { clientId: string; clientSecret?: string };
  /** APP_SCOPES the Machine to Machine application lacks (the app would fail to create clients). */
  missingAppScopes: string[];
}

/** The API's permissions: every scope some catalog operation requires, described like the dashboard. */
export function catalogScopes(): Array<{ value: string; description: string }> {
  return catalog.scopes.map((value) => ({ value, description: scopeName(value) }));
}

const managementErrorBody = z.object({ message: z.string(), errorCode: z.string().optional() }).loose();

const resourceServer = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    identifier: z.string(),
    scopes: z.array(z.object({ value: z.string(), description: z.string().optional() })).default([]),
    signing_alg: z.string().optional(),
    enforce_policies: z.boolean().optional(),
    token_dialect: z.string().optional(),
    allow_offline_access: z.boolean().optional(),
    skip_consent_for_verifiable_first_party_clients: z.boolean().optional(),
  })
  .loose();

const CLIENT_FIELDS = [
  "client_id",
  "name",
  "app_type",
  "callbacks",
  "allowed_logout_urls",
  "web_origins",
  "grant_types",
  "token_endpoint_auth_method",
  "oidc_conformant",
  "client_metadata",
] as const;

const application = z
  .object({
    client_id: z.string(),
    name: z.string().optional(),
    app_type: z.string().optional(),
    callbacks: z.array(z.string()).nullish(),
    allowed_logout_urls: z.array(z.string()).nullish(),
    web_origins: z.array(z.string()).nullish(),
    grant_types: z.array(z.string()).nullish(),
    token_endpoint_auth_method: z.string().nullish(),
    oidc_conformant: z.boolean().optional(),
    client_metadata: z.record(z.string(), z.string()).nullish(),
  })
  .loose();
type Application = z.infer<typeof application>;

const clientPage = z.object({ clients: z.array(application), total: z.number() }).loose();

/** `base` with every item of `wanted` it lacks appended (order kept: people may have added their own). */
function withAll(base: readonly string[] | null | undefined, wanted: readonly string[]): string[] {
  const list = [...(base ?? [])];
  for (const item of wanted) if (!list.includes(item)) list.push(item);
  return list;
}

const sameList = (a: readonly string[] | null | undefined, b: readonly string[]) =>
  (a ?? []).length === b.length && b.every((item, index) => (a ?? [])[index] === item);

/**
 * Creates or updates, through the Management API, the API (resource server) and the dashboard's
 * Regular Web Application. Existing settings people added (more callback URLs, more permissions) are
 * kept; only what Tollgate needs is added or corrected.
 *
 * @throws {SetupError} with what to fix (wrong credentials, a missing Management API scope, ...).
 */
export async function setupAuth0Tenant(options: TenantSetupOptions): Promise<TenantSetupResult> {
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const tenant = options.tenantUrl;
  const managementApi = `${tenant}api/v2/`;
  const appBaseUrl = options.appBaseUrl.replace(/\/+$/, "");
  const tokens = createClientCredentials({
    tokenUrl: `${tenant}oauth/token`,
    clientId: options.managementClientId,
    clientSecret: options.managementClientSecret,
    endpointParams: { audience: managementApi },
    fetch: fetchImpl,
  });

  let token: string;
  try {
    token = await tokens.getToken();
  } catch (error) {
    throw tokenError(error, options.managementClientId, managementApi);
  }
  const granted = new Set(String(decodeJwt(token).scope ?? "").split(" "));
  const missingSetup = SETUP_SCOPES.filter((scope) => !granted.has(scope));
  if (missingSetup.length > 0) {
    throw new SetupError(
      `The Machine to Machine application ${options.managementClientId} lacks Management API scopes: ` +
        `${missingSetup.join(", ")}. Add them in the Auth0 dashboard: Applications > APIs > Auth0 Management ` +
        "API > Machine To Machine Applications > your application (docs/deploy.md, step 2).",
    );
  }

  async function call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    for (let attempt = 0; ; attempt++) {
      const response = await fetchImpl(`${managementApi}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await response.text();
      // Auth0 rate-limits the Management API (429 with Retry-After); wait and try again, a few times.
      if (response.status === 429 && attempt < 3) {
        const seconds = Math.min(Number(response.headers.get("retry-after")) || 2, 10);
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
        continue;
      }
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: response.status, json };
    }
  }

  function failed(action: string, answer: { status: number; json: unknown }): SetupError {
    const said = managementErrorBody.safeParse(answer.json);
    const detail = said.success ? `: ${said.data.message}` : "";
    return new SetupError(`Auth0 refused to ${action} (HTTP ${answer.status}${detail}).`);
  }

  const changes: Change[] = [];

  // ---- the API ----
  const wantedScopes = catalogScopes();
  const found = await call("GET", `resource-servers/${encodeURIComponent(options.audience)}`);
  if (found.status === 404) {
    const created = await call("POST", "resource-servers", {
      name: API_NAME,
      identifier: options.audience,
      scopes: wantedScopes,
      ...API_SETTINGS,
    });
    if (created.status !== 201 && created.status !== 200) throw failed("create the API", created);
    changes.push({
      action: "created",
      what: `API "${API_NAME}" (${options.audience}): ${wantedScopes.length} permissions, RBAC, permissions in the access token`,
    });
  } else if (found.status === 200) {
    const server = resourceServer.parse(found.json);
    const missing = wantedScopes.filter((scope) => !server.scopes.some((have) => have.value === scope.value));
    const patch: Record<string, unknown> = {};
    if (missing.length > 0) patch.scopes = [...server.scopes, ...missing];
    for (const [key, value] of Object.entries(API_SETTINGS)) {
      if (server[key as keyof typeof API_SETTINGS] !== value) patch[key] = value;
    }
    if (Object.keys(patch).length > 0) {
      const updated = await call("PATCH", `resource-servers/${encodeURIComponent(server.id)}`, patch);
      if (updated.status !== 200) throw failed("update the API", updated);
      const what = Object.keys(patch).map((key) =>
        key === "scopes" ? `permissions + ${missing.map((scope) => scope.value).join(" ")}` : key,
      );
      changes.push({ action: "updated", what: `API "${server.name ?? API_NAME}" (${what.join(", ")})` });
    } else {
      changes.push({ action: "unchanged", what: `API "${server.name ?? API_NAME}" (${options.audience})` });
    }
  } else {
    throw failed("read the API", found);
  }

  // ---- the dashboard's Regular Web Application ----
  const wanted = {
    callbacks: [`${appBaseUrl}/auth/callback`],
    allowed_logout_urls: [appBaseUrl],
    web_origins: [appBaseUrl],
    grant_types: ["authorization_code", "refresh_token"],
  };
  const existing = await findDashboard();
  let dashboard: TenantSetupResult["dashboard"];
  if (!existing) {
    const created = await call("POST", "clients", {
      name: DASHBOARD_NAME,
      description: "Tollgate's dashboard: people sign in here (npm run setup:auth0)",
      app_type: "regular_web",
      ...wanted,
      token_endpoint_auth_method: "client_secret_post",
      oidc_conformant: true,
      jwt_configuration: { alg: "RS256" },
      client_metadata: { [DASHBOARD_MARKER.key]: DASHBOARD_MARKER.value },
    });
    const parsed = z
      .object({ client_id: z.string().min(1), client_secret: z.string().min(1) })
      .safeParse(created.json);
    if ((created.status !== 201 && created.status !== 200) || !parsed.success) {
      throw failed("create the dashboard application", created);
    }
    dashboard = { clientId: parsed.data.client_id, clientSecret: parsed.data.client_secret };
    changes.push({
      action: "created",
      what: `application "${DASHBOARD_NAME}" (Regular Web Application, callback ${wanted.callbacks[0]})`,
    });
  } else {
    dashboard = { clientId: existing.client_id };
    const patch: Record<string, unknown> = {};
    for (const key of ["callbacks", "allowed_logout_urls", "web_origins", "grant_types"] as const) {
      const merged = withAll(existing[key], wanted[key]);
      if (!sameList(existing[key], merged)) patch[key] = merged;
    }
    if (existing.token_endpoint_auth_method !== "client_secret_post") {
      patch.token_endpoint_auth_method = "client_secret_post";
    }
    if (existing.oidc_conformant !== true) patch.oidc_conformant = true;
    const name = existing.name ?? DASHBOARD_NAME;
    if (existing.app_type !== "regular_web") {
      throw new SetupError(
        `The application ${existing.client_id} ("${name}") is a ${existing.app_type ?? "?"} application; ` +
          "the dashboard needs a Regular Web Application. Unset AUTH0_CLIENT_ID to have one created.",
      );
    }
    if (Object.keys(patch).length > 0) {
      const updated = await call("PATCH", `clients/${encodeURIComponent(existing.client_id)}`, patch);
      if (updated.status !== 200) throw failed("update the dashboard application", updated);
      changes.push({ action: "updated", what: `application "${name}" (${Object.keys(patch).join(", ")})` });
    } else {
      changes.push({ action: "unchanged", what: `application "${name}" (${existing.client_id})` });
    }
  }

  return {
    changes,
    dashboard,
    missingAppScopes: APP_SCOPES.filter((scope) => !granted.has(scope)),
  };

  /** The application named by AUTH0_CLIENT_ID, else the one an earlier run created (by its marker). */
  async function findDashboard(): Promise<Application | undefined> {
    const fields = `fields=${CLIENT_FIELDS.join(",")}&include_fields=true`;
    if (options.dashboardClientId) {
      const answer = await call("GET", `clients/${encodeURIComponent(options.dashboardClientId)}?${fields}`);
      if (answer.status === 404) {
        throw new SetupError(
          `AUTH0_CLIENT_ID=${options.dashboardClientId} is not an application of this tenant. ` +
            "Unset it to have the dashboard application created.",
        );
      }
      if (answer.status !== 200) throw failed("read the dashboard application", answer);
      return application.parse(answer.json);
    }
    for (let page = 0; ; page++) {
      const answer = await call(
        "GET",
        `clients?${fields}&app_type=regular_web&include_totals=true&per_page=100&page=${page}`,
      );
      if (answer.status !== 200) throw failed("list the applications", answer);
      const { clients, total } = clientPage.parse(answer.json);
      const mine = clients.find(
        (client) => client.client_metadata?.[DASHBOARD_MARKER.key] === DASHBOARD_MARKER.value,
      );
      if (mine) return mine;
      if (clients.length === 0 || (page + 1) * 100 >= total) return undefined;
    }
  }
}

function tokenError(error: unknown, clientId: string, audience: string): SetupError {
  if (error instanceof ClientCredentialsError) {
    if (error.oauthError === "invalid_client" || error.oauthError === "unauthorized_client") {
      return new SetupError(
        `Auth0 does not accept AUTH0_MANAGEMENT_CLIENT_ID=${clientId} with that secret (${error.oauthError}). ` +
          "Copy both from the Machine to Machine application's Settings.",
      );
    }
    if (error.oauthError === "access_denied") {
      return new SetupError(
        `The application ${clientId} may not call the Management API (${audience}): authorize it under ` +
          "Applications > APIs > Auth0 Management API > Machine To Machine Applications (docs/deploy.md, step 2).",
      );
    }
    return new SetupError(`Could not get a Management API token: ${error.reason}`);
  }
  return new SetupError(
    `Could not get a Management API token: ${error instanceof Error ? error.message : String(error)}`,
  );
}
