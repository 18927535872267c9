import type { IncomingMessage, ServerResponse } from "node:http";
import { createLocalJWKSet, errors as joseErrors, jwtVerify } from "jose";
import { z } from "zod";
import { managementAudience } from "./constants";
import { BodyError, readBody, sendJson } from "@tollgate/local-http";
import { TOKEN_DIALECTS, type Auth0Client, type IssuerState } from "./issuer-state";

/** Auth0 Management API error codes this subset can return. */
type ManagementErrorCode =
  | "missing_authentication"
  | "invalid_token"
  | "insufficient_scope"
  | "invalid_body"
  | "invalid_query_string"
  | "invalid_uri"
  | "inexistent_client"
  | "inexistent_user"
  | "inexistent_resource_server"
  | "inexistent_client_grant"
  | "inexistent_key"
  | "inexistent_job"
  | "client_grant_conflict"
  | "resource_server_conflict"
  | "operation_not_supported"
  | "too_many_requests";

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  429: "Too Many Requests",
};

/** An error answered in Auth0's Management API shape: `{ statusCode, error, message, errorCode }`. */
class ManagementError extends Error {
  constructor(
    readonly statusCode: 400 | 401 | 403 | 404 | 409 | 413 | 429,
    message: string,
    readonly errorCode: ManagementErrorCode,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ManagementError";
  }
}

function payloadError(error: z.ZodError): ManagementError {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? ` (${issue.path.join(".")})` : "";
  return new ManagementError(
    400,
    `Payload validation error: '${issue?.message ?? "invalid"}'${where}.`,
    "invalid_body",
  );
}

async function parseJson<T extends z.ZodType>(req: IncomingMessage, schema: T): Promise<z.output<T>> {
  let body: unknown;
  try {
    body = JSON.parse((await readBody(req)) || "{}");
  } catch (error) {
    if (error instanceof BodyError && error.status === 413)
      throw new ManagementError(413, error.message, "invalid_body");
    throw new ManagementError(400, "Invalid request payload JSON format", "invalid_body");
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw payloadError(parsed.error);
  return parsed.data;
}

const metadataSchema = z
  .record(z.string().max(255), z.string().max(255))
  .refine((v) => Object.keys(v).length <= 10, {
    message: "client_metadata may have at most 10 properties",
  });

const clientFields = {
  description: z.string().max(140).optional(),
  app_type: z.enum(["non_interactive", "regular_web", "spa", "native"]).optional(),
  grant_types: z.array(z.string()).optional(),
  client_metadata: metadataSchema.optional(),
  callbacks: z.array(z.url()).optional(),
  allowed_logout_urls: z.array(z.url()).optional(),
  token_endpoint_auth_method: z.enum(["client_secret_post", "client_secret_basic"]).optional(),
  is_first_party: z.boolean().optional(),
  oidc_conformant: z.boolean().optional(),
  logo_uri: z.string().optional(),
  allowed_origins: z.array(z.string()).optional(),
  web_origins: z.array(z.string()).optional(),
  jwt_configuration: z
    .object({ alg: z.literal("RS256").optional() })
    .loose()
    .optional(),
};

const createClientSchema = z.strictObject({ name: z.string().min(1).max(128), ...clientFields });
const updateClientSchema = z.strictObject({ name: z.string().min(1).max(128).optional(), ...clientFields });

const createGrantSchema = z.strictObject({
  client_id: z.string().min(1),
  audience: z.string().min(1),
  scope: z.array(z.string().min(1)),
});
const updateGrantSchema = z.strictObject({ scope: z.array(z.string().min(1)) });

const resourceServerFields = {
  name: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^<>]*$/, "name can not contain < or > characters")
    .optional(),
  scopes: z
    .array(z.strictObject({ value: z.string().min(1).max(280), description: z.string().max(500).optional() }))
    .optional(),
  // Auth0 also offers HS256 and PS256; this issuer signs with RS256 only.
  signing_alg: z.literal("RS256", "the local issuer signs with RS256 only").optional(),
  allow_offline_access: z.boolean().optional(),
  skip_consent_for_verifiable_first_party_clients: z.boolean().optional(),
  token_lifetime: z.int().min(1).max(2_592_000).optional(),
  token_lifetime_for_web: z.int().min(1).max(86_400).optional(),
  enforce_policies: z.boolean().optional(),
  token_dialect: z.enum(TOKEN_DIALECTS).optional(),
};
const createResourceServerSchema = z.strictObject({
  identifier: z.string().min(1).max(600),
  ...resourceServerFields,
});
// The identifier "can not be changed once set": Auth0 refuses it in a PATCH body.
const updateResourceServerSchema = z.strictObject(resourceServerFields);

/** Scopes as stored: Auth0 keeps a description with every permission (empty when none was given). */
function withDescriptions(scopes: Array<{ value: string; description?: string }> | undefined) {
  return scopes?.map((scope) => ({ value: scope.value, description: scope.description ?? "" }));
}

const metadataPatch = z.record(z.string(), z.unknown());
const updateUserSchema = z.strictObject({
  app_metadata: metadataPatch.optional(),
  user_metadata: metadataPatch.optional(),
  email_verified: z.boolean().optional(),
});

// POST /api/v2/jobs/verification-email: `identity` names a social, enterprise or passwordless identity;
// this issuer's users are all database users, which need only `user_id`.
const verificationEmailSchema = z.strictObject({
  user_id: z.string().min(1),
  client_id: z.string().min(1).optional(),
  identity: z
    .strictObject({
      user_id: z.string().min(1),
      provider: z.string().min(1),
      connection_id: z.string().optional(),
    })
    .optional(),
  organization_id: z.string().optional(),
});

const pagination = {
  page: z.coerce.number().int().min(0).optional(),
  per_page: z.coerce.number().int().min(1).max(100).optional(),
  include_totals: z.enum(["true", "false"]).optional(),
};
const listClientsQuery = z.object({
  ...pagination,
  fields: z.string().optional(),
  include_fields: z.enum(["true", "false"]).optional(),
  app_type: z.string().optional(),
  is_global: z.enum(["true", "false"]).optional(),
  is_first_party: z.enum(["true", "false"]).optional(),
});
const listGrantsQuery = z.object({
  ...pagination,
  client_id: z.string().optional(),
  audience: z.string().optional(),
});
const listResourceServersQuery = z.object({
  ...pagination,
  fields: z.string().optional(),
  include_fields: z.enum(["true", "false"]).optional(),
  // May be repeated (`identifiers=a&identifiers=b`); read with getAll.
  identifiers: z.string().optional(),
});
const fieldsQuery = z.object({
  fields: z.string().optional(),
  include_fields: z.enum(["true", "false"]).optional(),
});

function parseQuery<T extends z.ZodType>(url: URL, schema: T): z.output<T> {
  const parsed = schema.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ManagementError(
      400,
      `Query validation error: '${issue?.message ?? "invalid"}' on property ${issue?.path.join(".") ?? "?"}.`,
      "invalid_query_string",
    );
  }
  return parsed.data;
}

/** Auth0's `fields` + `include_fields` projection. */
function project<T extends object>(record: T, fields: string | undefined, include = "true"): Partial<T> {
  if (!fields) return record;
  const names = new Set(fields.split(",").map((field) => field.trim()));
  return Object.fromEntries(
    Object.entries(record).filter(([key]) => names.has(key) === (include === "true")),
  ) as Partial<T>;
}

/** Auth0's paging: a plain array, or `{ start, limit, length, total, [key]: [...] }` with totals. */
function paginate<T>(
  items: T[],
  query: { page?: number; per_page?: number; include_totals?: string },
  key: string,
) {
  const perPage = query.per_page ?? 50;
  const page = query.page ?? 0;
  const slice = items.slice(page * perPage, (page + 1) * perPage);
  if (query.include_totals !== "true") return slice;
  return { start: page * perPage, limit: perPage, length: slice.length, total: items.length, [key]: slice };
}

/** The Management API's view of a client: the secret only with `read:client_keys`, as Auth0 does. */
function clientView(client: Auth0Client, scopes: ReadonlySet<string>): Partial<Auth0Client> {
  if (scopes.has("read:client_keys")) return { ...client };
  const { client_secret: _secret, ...rest } = client;
  return rest;
}

interface Route {
  method: string;
  pattern: RegExp;
  scopes: readonly string[];
  handle: (ctx: {
    req: IncomingMessage;
    url: URL;
    params: string[];
    scopes: ReadonlySet<string>;
  }) => Promise<{
    status: number;
    body?: unknown;
  }>;
}

/** Actions of the Management API that the local issuer must carry out on its own state. */
export interface ManagementHooks {
  rotateSigningKey(): Promise<{ kid: string }>;
  revokeSigningKey(kid: string): Promise<boolean>;
}

/**
 * A test hook: the next `times` matching requests are answered 429, as a tenant over its Management API
 * rate limit answers them (Auth0's free tenants sustain about 2 requests a second).
 */
export interface ManagementThrottle {
  /** Seconds sent in `Retry-After`, and added to now for `X-RateLimit-Reset` (epoch seconds). */
  retryAfterSeconds: number;
  /** How many requests to refuse; default 1. */
  times?: number;
  /** Only requests with this method (e.g. `POST`). */
  method?: string;
  /** Only requests whose path starts with this (e.g. `/api/v2/client-grants`). */
  path?: string;
}

/** How many answered requests the issuer remembers (the oldest are forgotten first). */
const MAX_LOGGED_REQUESTS = 10_000;

/** One Management API request as the issuer answered it (tests count calls with these). */
export interface ManagementRequest {
  method: string;
  path: string;
  status: number;
}

/**
 * The subset of Auth0's Management API v2 that Tollgate uses, with Auth0's request and response
 * shapes, protected as Auth0 protects it: a bearer token from client credentials for
 * `${issuer}api/v2/`, verified against the issuer's own keys, with the scope each endpoint needs.
 */
export function createManagementApi(options: {
  issuerUrl: string;
  state: IssuerState;
  hooks: ManagementHooks;
}) {
  const { issuerUrl, state } = options;
  const throttles: Array<ManagementThrottle & { times: number }> = [];
  const requests: ManagementRequest[] = [];
  const audience = managementAudience(issuerUrl);
  const apiByIdentifier = (identifier: string) =>
    [...state.resourceServers.values()].find((server) => server.identifier === identifier);
  const resourceServerNotFound = () =>
    new ManagementError(404, "The resource server does not exist", "inexistent_resource_server");
  /** PATCH and DELETE leave Auth0's own APIs alone. */
  const customResourceServer = (idOrIdentifier: string) => {
    const server = state.findResourceServer(idOrIdentifier);
    if (!server) throw resourceServerNotFound();
    if (server.is_system) {
      throw new ManagementError(400, "System resource servers cannot be changed", "operation_not_supported");
    }
    return server;
  };

  const routes: Route[] = [
    // POST /api/v2/clients – create an application
    {
      method: "POST",
      pattern: /^\/api\/v2\/clients$/,
      scopes: ["create:clients"],
      async handle({ req }) {
        const {
          jwt_configuration: _jwt,
          logo_uri: _logo,
          ...body
        } = await parseJson(req, createClientSchema);
        const client = state.createClient({
          ...body,
          grant_types:
            body.grant_types ??
            (body.app_type === "non_interactive"
              ? ["client_credentials"]
              : ["authorization_code", "implicit", "refresh_token", "client_credentials"]),
        });
        return { status: 201, body: client };
      },
    },
    // GET /api/v2/clients – list applications
    {
      method: "GET",
      pattern: /^\/api\/v2\/clients$/,
      scopes: ["read:clients"],
      async handle({ url, scopes }) {
        const query = parseQuery(url, listClientsQuery);
        const appTypes = query.app_type ? new Set(query.app_type.split(",")) : undefined;
        const clients = [...state.clients.values()]
          .filter((client) => !appTypes || appTypes.has(client.app_type))
          .filter(() => query.is_global !== "true")
          .filter((client) => !query.is_first_party || String(client.is_first_party) === query.is_first_party)
          .map((client) => project(clientView(client, scopes), query.fields, query.include_fields));
        return { status: 200, body: paginate(clients, query, "clients") };
      },
    },
    // GET /api/v2/clients/{id} – one application
    {
      method: "GET",
      pattern: /^\/api\/v2\/clients\/([^/]+)$/,
      scopes: ["read:clients"],
      async handle({ url, params, scopes }) {
        const query = parseQuery(url, fieldsQuery);
        const client = state.clients.get(params[0] ?? "");
        if (!client) throw new ManagementError(404, "The client does not exist", "inexistent_client");
        return { status: 200, body: project(clientView(client, scopes), query.fields, query.include_fields) };
      },
    },
    // PATCH /api/v2/clients/{id} – update an application
    {
      method: "PATCH",
      pattern: /^\/api\/v2\/clients\/([^/]+)$/,
      scopes: ["update:clients"],
      async handle({ req, params }) {
        const {
          jwt_configuration: _jwt,
          logo_uri: _logo,
          ...body
        } = await parseJson(req, updateClientSchema);
        const client = state.updateClient(params[0] ?? "", body);
        if (!client) throw new ManagementError(404, "The client does not exist", "inexistent_client");
        return { status: 200, body: client };
      },
    },
    // DELETE /api/v2/clients/{id} – delete an application (and its grants); its tokens stop at once
    {
      method: "DELETE",
      pattern: /^\/api\/v2\/clients\/([^/]+)$/,
      scopes: ["delete:clients"],
      async handle({ params }) {
        state.deleteClient(params[0] ?? "");
        return { status: 204 };
      },
    },
    // POST /api/v2/client-grants – allow a client to get tokens for an API with given scopes
    {
      method: "POST",
      pattern: /^\/api\/v2\/client-grants$/,
      scopes: ["create:client_grants"],
      async handle({ req }) {
        const body = await parseJson(req, createGrantSchema);
        if (!state.clients.has(body.client_id)) {
          throw new ManagementError(404, "Client not found", "inexistent_client");
        }
        if (!apiByIdentifier(body.audience)) {
          throw new ManagementError(
            404,
            "No resource server found by specified identifier",
            "inexistent_resource_server",
          );
        }
        if (state.findClientGrant(body.client_id, body.audience)) {
          throw new ManagementError(
            409,
            "A client grant for this client and audience already exists",
            "client_grant_conflict",
          );
        }
        return { status: 201, body: state.createClientGrant(body) };
      },
    },
    // GET /api/v2/client-grants – list client grants
    {
      method: "GET",
      pattern: /^\/api\/v2\/client-grants$/,
      scopes: ["read:client_grants"],
      async handle({ url }) {
        const query = parseQuery(url, listGrantsQuery);
        const grants = [...state.clientGrants.values()].filter(
          (grant) =>
            (!query.client_id || grant.client_id === query.client_id) &&
            (!query.audience || grant.audience === query.audience),
        );
        return { status: 200, body: paginate(grants, query, "client_grants") };
      },
    },
    // PATCH /api/v2/client-grants/{id} – change a client grant's scopes (client and audience are fixed)
    {
      method: "PATCH",
      pattern: /^\/api\/v2\/client-grants\/([^/]+)$/,
      scopes: ["update:client_grants"],
      async handle({ req, params }) {
        const body = await parseJson(req, updateGrantSchema);
        const grant = state.updateClientGrant(params[0] ?? "", body.scope);
        if (!grant) {
          throw new ManagementError(404, "The client grant does not exist", "inexistent_client_grant");
        }
        return { status: 200, body: grant };
      },
    },
    // GET /api/v2/resource-servers – list the APIs, Auth0's own (is_system) included
    {
      method: "GET",
      pattern: /^\/api\/v2\/resource-servers$/,
      scopes: ["read:resource_servers"],
      async handle({ url }) {
        const query = parseQuery(url, listResourceServersQuery);
        const identifiers = url.searchParams.getAll("identifiers");
        const servers = [...state.resourceServers.values()]
          .filter((server) => identifiers.length === 0 || identifiers.includes(server.identifier))
          .map((server) => project(server, query.fields, query.include_fields));
        return { status: 200, body: paginate(servers, query, "resource_servers") };
      },
    },
    // GET /api/v2/resource-servers/{id} – one API, by its id or its identifier (audience)
    {
      method: "GET",
      pattern: /^\/api\/v2\/resource-servers\/([^/]+)$/,
      scopes: ["read:resource_servers"],
      async handle({ url, params }) {
        const query = parseQuery(url, fieldsQuery);
        const server = state.findResourceServer(params[0] ?? "");
        if (!server) throw resourceServerNotFound();
        return { status: 200, body: project(server, query.fields, query.include_fields) };
      },
    },
    // POST /api/v2/resource-servers – create an API
    {
      method: "POST",
      pattern: /^\/api\/v2\/resource-servers$/,
      scopes: ["create:resource_servers"],
      async handle({ req }) {
        const body = await parseJson(req, createResourceServerSchema);
        if (apiByIdentifier(body.identifier)) {
          throw new ManagementError(
            409,
            "A resource server with the same identifier already exists",
            "resource_server_conflict",
          );
        }
        const { scopes, ...rest } = body;
        return {
          status: 201,
          body: state.createResourceServer({ ...rest, scopes: withDescriptions(scopes) }),
        };
      },
    },
    // PATCH /api/v2/resource-servers/{id} – change an API's settings or permissions
    {
      method: "PATCH",
      pattern: /^\/api\/v2\/resource-servers\/([^/]+)$/,
      scopes: ["update:resource_servers"],
      async handle({ req, params }) {
        const server = customResourceServer(params[0] ?? "");
        const { scopes, ...rest } = await parseJson(req, updateResourceServerSchema);
        const updated = state.updateResourceServer(server.id, {
          ...rest,
          ...(scopes ? { scopes: withDescriptions(scopes) } : {}),
        });
        return { status: 200, body: updated };
      },
    },
    // DELETE /api/v2/resource-servers/{id} – delete an API and its client grants
    {
      method: "DELETE",
      pattern: /^\/api\/v2\/resource-servers\/([^/]+)$/,
      scopes: ["delete:resource_servers"],
      async handle({ params }) {
        state.deleteResourceServer(customResourceServer(params[0] ?? "").id);
        return { status: 204 };
      },
    },
    // DELETE /api/v2/client-grants/{id} – revoke a client grant
    {
      method: "DELETE",
      pattern: /^\/api\/v2\/client-grants\/([^/]+)$/,
      scopes: ["delete:client_grants"],
      async handle({ params }) {
        state.deleteClientGrant(params[0] ?? "");
        return { status: 204 };
      },
    },
    // GET /api/v2/users/{id} – one user
    {
      method: "GET",
      pattern: /^\/api\/v2\/users\/([^/]+)$/,
      scopes: ["read:users"],
      async handle({ url, params }) {
        const query = parseQuery(url, fieldsQuery);
        const user = state.users.get(params[0] ?? "");
        if (!user) throw new ManagementError(404, "The user does not exist.", "inexistent_user");
        return { status: 200, body: project(user, query.fields, query.include_fields) };
      },
    },
    // PATCH /api/v2/users/{id} – merge app_metadata / user_metadata, set email_verified
    {
      method: "PATCH",
      pattern: /^\/api\/v2\/users\/([^/]+)$/,
      scopes: ["update:users"],
      async handle({ req, params }) {
        const { email_verified, ...metadata } = await parseJson(req, updateUserSchema);
        const userId = params[0] ?? "";
        if (email_verified !== undefined) state.setEmailVerified(userId, email_verified);
        const user = state.updateUserMetadata(userId, metadata);
        if (!user) throw new ManagementError(404, "The user does not exist.", "inexistent_user");
        return { status: 200, body: user };
      },
    },
    // POST /api/v2/jobs/verification-email – email a user the link that verifies their address
    {
      method: "POST",
      pattern: /^\/api\/v2\/jobs\/verification-email$/,
      scopes: ["update:users"],
      async handle({ req }) {
        const body = await parseJson(req, verificationEmailSchema);
        const user = state.users.get(body.user_id);
        if (!user) throw new ManagementError(404, "The user does not exist.", "inexistent_user");
        return { status: 201, body: state.sendVerificationEmail(user) };
      },
    },
    // GET /api/v2/jobs/{id} – a job's status
    {
      method: "GET",
      pattern: /^\/api\/v2\/jobs\/([^/]+)$/,
      scopes: ["read:users"],
      async handle({ params }) {
        const job = state.jobs.get(params[0] ?? "");
        if (!job) throw new ManagementError(404, "The job does not exist.", "inexistent_job");
        return { status: 200, body: job };
      },
    },
    // GET /api/v2/keys/signing – the signing keys, current first
    {
      method: "GET",
      pattern: /^\/api\/v2\/keys\/signing$/,
      scopes: ["read:signing_keys"],
      async handle() {
        return {
          status: 200,
          body: state.keys.map((key, index) => ({
            kid: key.kid,
            current: index === 0,
            previous: index === 1,
            revoked: false,
            current_since: key.created_at,
          })),
        };
      },
    },
    // POST /api/v2/keys/signing/rotate – a new current key; the old one stays published as previous
    {
      method: "POST",
      pattern: /^\/api\/v2\/keys\/signing\/rotate$/,
      scopes: ["create:signing_keys", "update:signing_keys"],
      async handle() {
        return { status: 201, body: await options.hooks.rotateSigningKey() };
      },
    },
    // PUT /api/v2/keys/signing/{kid}/revoke – stop publishing a previous key
    {
      method: "PUT",
      pattern: /^\/api\/v2\/keys\/signing\/([^/]+)\/revoke$/,
      scopes: ["update:signing_keys"],
      async handle({ params }) {
        const kid = params[0] ?? "";
        if (!(await options.hooks.revokeSigningKey(kid))) {
          throw new ManagementError(404, "Signing key not found or it is the current key", "inexistent_key");
        }
        return { status: 200, body: { kid } };
      },
    },
  ];

  async function authenticate(req: IncomingMessage): Promise<Set<string>> {
    const header = req.headers.authorization;
    if (!header) throw new ManagementError(401, "Missing authentication", "missing_authentication");
    const [scheme, token] = header.split(" ");
    if (scheme?.toLowerCase() !== "bearer" || !token) {
      throw new ManagementError(401, "Bad HTTP authentication header format", "missing_authentication");
    }
    try {
      const jwks = createLocalJWKSet({ keys: state.keys.map((key) => key.publicJwk) });
      const { payload } = await jwtVerify(token, jwks, {
        issuer: issuerUrl,
        audience,
        algorithms: ["RS256"],
      });
      return new Set(typeof payload.scope === "string" ? payload.scope.split(" ") : []);
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        throw new ManagementError(
          401,
          "Expired token received for JSON Web Token validation",
          "invalid_token",
        );
      }
      if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === "aud") {
        throw new ManagementError(401, `Bad audience: ${audience}`, "invalid_token");
      }
      if (error instanceof joseErrors.JOSEError)
        throw new ManagementError(401, "Invalid token", "invalid_token");
      throw error;
    }
  }

  /** The first throttle matching the request, used up by one. */
  function throttled(req: IncomingMessage, url: URL): ManagementError | undefined {
    const index = throttles.findIndex(
      (throttle) =>
        (throttle.method === undefined || throttle.method === req.method) &&
        (throttle.path === undefined || url.pathname.startsWith(throttle.path)),
    );
    const throttle = throttles[index];
    if (!throttle) return undefined;
    throttle.times -= 1;
    if (throttle.times <= 0) throttles.splice(index, 1);
    // Auth0 sends X-RateLimit-* on every rate-limited endpoint; Retry-After is sent too, for clients
    // that read the standard header.
    return new ManagementError(429, "Global limit has been reached", "too_many_requests", {
      "retry-after": String(throttle.retryAfterSeconds),
      "x-ratelimit-limit": "2",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + throttle.retryAfterSeconds),
    });
  }

  async function handleManagement(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const answer = (status: number, body: unknown, headers?: Record<string, string>) => {
      requests.push({ method: req.method ?? "GET", path: url.pathname, status });
      // A long `npm run dev` must not grow without bound; tests make far fewer requests than this.
      if (requests.length > MAX_LOGGED_REQUESTS) requests.splice(0, requests.length - MAX_LOGGED_REQUESTS);
      sendJson(res, status, body, headers);
    };
    try {
      const refusal = throttled(req, url);
      if (refusal) throw refusal;
      const candidates = routes.filter((route) => route.pattern.test(url.pathname));
      if (candidates.length === 0) throw new ManagementError(404, "Not Found", "invalid_uri");
      const route = candidates.find((candidate) => candidate.method === req.method);
      const scopes = await authenticate(req);
      if (!route) throw new ManagementError(404, "Not Found", "operation_not_supported");
      const missing = route.scopes.filter((scope) => !scopes.has(scope));
      if (missing.length > 0) {
        throw new ManagementError(
          403,
          `Insufficient scope, expected any of: ${route.scopes.join(",")}`,
          "insufficient_scope",
        );
      }
      let params: string[];
      try {
        params = (route.pattern.exec(url.pathname) ?? []).slice(1).map((value) => decodeURIComponent(value));
      } catch {
        throw new ManagementError(400, "Invalid URI encoding", "invalid_uri");
      }
      const result = await route.handle({ req, url, params, scopes });
      answer(result.status, result.body);
    } catch (error) {
      if (error instanceof ManagementError) {
        answer(
          error.statusCode,
          {
            statusCode: error.statusCode,
            error: STATUS_TEXT[error.statusCode] ?? "Error",
            message: error.message,
            errorCode: error.errorCode,
          },
          error.headers,
        );
        return;
      }
      throw error;
    }
  }

  return {
    handle: handleManagement,
    /** Answers the next matching requests 429 (see {@link ManagementThrottle}). */
    throttle(throttle: ManagementThrottle): void {
      throttles.push({ ...throttle, times: throttle.times ?? 1 });
    },
    /** Every request answered so far, oldest first. */
    requests: (): ManagementRequest[] => [...requests],
  };
}
