import { route } from "@tollgate/local-http";
import { z } from "zod";
import { TOKEN_DIALECTS, type Auth0ResourceServer } from "../auth0-records";
import type { IssuerState } from "../issuer-state";
import type { ManagementRoute } from "./endpoint";
import { ManagementError } from "./management-error";
import { fieldsQuery, paginate, pagination, parseJson, parseQuery, project } from "./request";

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

const listResourceServersQuery = z.object({
  ...pagination,
  fields: z.string().optional(),
  include_fields: z.enum(["true", "false"]).optional(),
  // May be repeated (`identifiers=a&identifiers=b`); read with getAll.
  identifiers: z.string().optional(),
});

/** Scopes as stored: Auth0 keeps a description with every permission (empty when none was given). */
function withDescriptions(scopes: Array<{ value: string; description?: string }> | undefined) {
  return scopes?.map((scope) => ({ value: scope.value, description: scope.description ?? "" }));
}

/** An API by its identifier only (client grants and creation name APIs by audience, never by id). */
export function apiByIdentifier(state: IssuerState, identifier: string): Auth0ResourceServer | undefined {
  return [...state.resourceServers.values()].find((server) => server.identifier === identifier);
}

const resourceServerNotFound = () =>
  new ManagementError(404, "The resource server does not exist", "inexistent_resource_server");

/** /api/v2/resource-servers: APIs, Auth0's own (is_system) included. */
export function resourceServerRoutes(state: IssuerState): ManagementRoute[] {
  /** PATCH and DELETE leave Auth0's own APIs alone. */
  const customResourceServer = (idOrIdentifier: string) => {
    const server = state.findResourceServer(idOrIdentifier);
    if (!server) throw resourceServerNotFound();
    if (server.is_system) {
      throw new ManagementError(400, "System resource servers cannot be changed", "operation_not_supported");
    }
    return server;
  };

  return [
    // GET /api/v2/resource-servers – list the APIs, Auth0's own (is_system) included
    route("GET", "/api/v2/resource-servers", {
      scopes: ["read:resource_servers"],
      async handle({ url }) {
        const query = parseQuery(url, listResourceServersQuery);
        const identifiers = url.searchParams.getAll("identifiers");
        const servers = [...state.resourceServers.values()]
          .filter((server) => identifiers.length === 0 || identifiers.includes(server.identifier))
          .map((server) => project(server, query.fields, query.include_fields));
        return { status: 200, body: paginate(servers, query, "resource_servers") };
      },
    }),
    // GET /api/v2/resource-servers/{id} – one API, by its id or its identifier (audience)
    route("GET", "/api/v2/resource-servers/:id", {
      scopes: ["read:resource_servers"],
      async handle({ url, path }) {
        const query = parseQuery(url, fieldsQuery);
        const server = state.findResourceServer(path.id ?? "");
        if (!server) throw resourceServerNotFound();
        return { status: 200, body: project(server, query.fields, query.include_fields) };
      },
    }),
    // POST /api/v2/resource-servers – create an API
    route("POST", "/api/v2/resource-servers", {
      scopes: ["create:resource_servers"],
      async handle({ req }) {
        const body = await parseJson(req, createResourceServerSchema);
        if (apiByIdentifier(state, body.identifier)) {
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
    }),
    // PATCH /api/v2/resource-servers/{id} – change an API's settings or permissions
    route("PATCH", "/api/v2/resource-servers/:id", {
      scopes: ["update:resource_servers"],
      async handle({ req, path }) {
        const server = customResourceServer(path.id ?? "");
        const { scopes, ...rest } = await parseJson(req, updateResourceServerSchema);
        const updated = state.updateResourceServer(server.id, {
          ...rest,
          ...(scopes ? { scopes: withDescriptions(scopes) } : {}),
        });
        return { status: 200, body: updated };
      },
    }),
    // DELETE /api/v2/resource-servers/{id} – delete an API and its client grants
    route("DELETE", "/api/v2/resource-servers/:id", {
      scopes: ["delete:resource_servers"],
      async handle({ path }) {
        state.deleteResourceServer(customResourceServer(path.id ?? "").id);
        return { status: 204 };
      },
    }),
  ];
}
