import { route } from "@tollgate/local-http";
import { z } from "zod";
import type { IssuerState } from "../issuer-state";
import type { ManagementRoute } from "./endpoint";
import { ManagementError } from "./management-error";
import { paginate, pagination, parseJson, parseQuery } from "./request";
import { apiByIdentifier } from "./resource-servers";

const createGrantSchema = z.strictObject({
  client_id: z.string().min(1),
  audience: z.string().min(1),
  scope: z.array(z.string().min(1)),
});
const updateGrantSchema = z.strictObject({ scope: z.array(z.string().min(1)) });

const listGrantsQuery = z.object({
  ...pagination,
  client_id: z.string().optional(),
  audience: z.string().optional(),
});

/** /api/v2/client-grants: which scopes a client may get by client credentials for an API. */
export function clientGrantRoutes(state: IssuerState): ManagementRoute[] {
  return [
    // POST /api/v2/client-grants – allow a client to get tokens for an API with given scopes
    route("POST", "/api/v2/client-grants", {
      scopes: ["create:client_grants"],
      async handle({ req }) {
        const body = await parseJson(req, createGrantSchema);
        if (!state.clients.has(body.client_id)) {
          throw new ManagementError(404, "Client not found", "inexistent_client");
        }
        if (!apiByIdentifier(state, body.audience)) {
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
    }),
    // GET /api/v2/client-grants – list client grants
    route("GET", "/api/v2/client-grants", {
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
    }),
    // PATCH /api/v2/client-grants/{id} – change a client grant's scopes (client and audience are fixed)
    route("PATCH", "/api/v2/client-grants/:id", {
      scopes: ["update:client_grants"],
      async handle({ req, path }) {
        const body = await parseJson(req, updateGrantSchema);
        const grant = state.updateClientGrant(path.id ?? "", body.scope);
        if (!grant) {
          throw new ManagementError(404, "The client grant does not exist", "inexistent_client_grant");
        }
        return { status: 200, body: grant };
      },
    }),
    // DELETE /api/v2/client-grants/{id} – revoke a client grant
    route("DELETE", "/api/v2/client-grants/:id", {
      scopes: ["delete:client_grants"],
      async handle({ path }) {
        state.deleteClientGrant(path.id ?? "");
        return { status: 204 };
      },
    }),
  ];
}
