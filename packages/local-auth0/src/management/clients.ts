import { route } from "@tollgate/local-http";
import { z } from "zod";
import type { Auth0Client } from "../auth0-records";
import type { IssuerState } from "../issuer-state";
import type { ManagementRoute } from "./endpoint";
import { ManagementError } from "./management-error";
import { fieldsQuery, paginate, pagination, parseJson, parseQuery, project } from "./request";

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

const listClientsQuery = z.object({
  ...pagination,
  fields: z.string().optional(),
  include_fields: z.enum(["true", "false"]).optional(),
  app_type: z.string().optional(),
  is_global: z.enum(["true", "false"]).optional(),
  is_first_party: z.enum(["true", "false"]).optional(),
});

/** The Management API's view of a client: the secret only with `read:client_keys`, as Auth0 does. */
function clientView(client: Auth0Client, scopes: ReadonlySet<string>): Partial<Auth0Client> {
  if (scopes.has("read:client_keys")) return { ...client };
  const { client_secret: _secret, ...rest } = client;
  return rest;
}

const clientNotFound = () => new ManagementError(404, "The client does not exist", "inexistent_client");

/** /api/v2/clients: applications. */
export function clientRoutes(state: IssuerState): ManagementRoute[] {
  return [
    // POST /api/v2/clients – create an application
    route("POST", "/api/v2/clients", {
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
    }),
    // GET /api/v2/clients – list applications
    route("GET", "/api/v2/clients", {
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
    }),
    // GET /api/v2/clients/{id} – one application
    route("GET", "/api/v2/clients/:id", {
      scopes: ["read:clients"],
      async handle({ url, path, scopes }) {
        const query = parseQuery(url, fieldsQuery);
        const client = state.clients.get(path.id ?? "");
        if (!client) throw clientNotFound();
        return { status: 200, body: project(clientView(client, scopes), query.fields, query.include_fields) };
      },
    }),
    // PATCH /api/v2/clients/{id} – update an application
    route("PATCH", "/api/v2/clients/:id", {
      scopes: ["update:clients"],
      async handle({ req, path }) {
        const {
          jwt_configuration: _jwt,
          logo_uri: _logo,
          ...body
        } = await parseJson(req, updateClientSchema);
        const client = state.updateClient(path.id ?? "", body);
        if (!client) throw clientNotFound();
        return { status: 200, body: client };
      },
    }),
    // DELETE /api/v2/clients/{id} – delete an application (and its grants); its tokens stop at once
    route("DELETE", "/api/v2/clients/:id", {
      scopes: ["delete:clients"],
      async handle({ path }) {
        state.deleteClient(path.id ?? "");
        return { status: 204 };
      },
    }),
  ];
}
