import { route } from "@tollgate/local-http";
import { z } from "zod";
import type { IssuerState } from "../issuer-state";
import type { ManagementRoute } from "./endpoint";
import { ManagementError } from "./management-error";
import { fieldsQuery, parseJson, parseQuery, project } from "./request";

const metadataPatch = z.record(z.string(), z.unknown());
const updateUserSchema = z.strictObject({
  app_metadata: metadataPatch.optional(),
  user_metadata: metadataPatch.optional(),
  email_verified: z.boolean().optional(),
});

/** Auth0's answer for a user id it does not know (users and jobs/verification-email). */
export const userNotFound = () => new ManagementError(404, "The user does not exist.", "inexistent_user");

/** /api/v2/users: people's profiles and metadata. */
export function userRoutes(state: IssuerState): ManagementRoute[] {
  return [
    // GET /api/v2/users/{id} – one user
    route("GET", "/api/v2/users/:id", {
      scopes: ["read:users"],
      async handle({ url, path }) {
        const query = parseQuery(url, fieldsQuery);
        const user = state.users.get(path.id ?? "");
        if (!user) throw userNotFound();
        return { status: 200, body: project(user, query.fields, query.include_fields) };
      },
    }),
    // PATCH /api/v2/users/{id} – merge app_metadata / user_metadata, set email_verified
    route("PATCH", "/api/v2/users/:id", {
      scopes: ["update:users"],
      async handle({ req, path }) {
        const { email_verified, ...metadata } = await parseJson(req, updateUserSchema);
        const userId = path.id ?? "";
        if (email_verified !== undefined) state.setEmailVerified(userId, email_verified);
        const user = state.updateUserMetadata(userId, metadata);
        if (!user) throw userNotFound();
        return { status: 200, body: user };
      },
    }),
  ];
}
