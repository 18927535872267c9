import { route } from "@tollgate/local-http";
import { z } from "zod";
import type { IssuerState } from "../issuer-state";
import type { ManagementRoute } from "./endpoint";
import { ManagementError } from "./management-error";
import { parseJson } from "./request";
import { userNotFound } from "./users";

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

/** /api/v2/jobs: verification emails, the only job this issuer runs. */
export function jobRoutes(state: IssuerState): ManagementRoute[] {
  return [
    // POST /api/v2/jobs/verification-email – email a user the link that verifies their address
    route("POST", "/api/v2/jobs/verification-email", {
      scopes: ["update:users"],
      async handle({ req }) {
        const body = await parseJson(req, verificationEmailSchema);
        const user = state.users.get(body.user_id);
        if (!user) throw userNotFound();
        return { status: 201, body: state.sendVerificationEmail(user) };
      },
    }),
    // GET /api/v2/jobs/{id} – a job's status
    route("GET", "/api/v2/jobs/:id", {
      scopes: ["read:users"],
      async handle({ path }) {
        const job = state.jobs.get(path.id ?? "");
        if (!job) throw new ManagementError(404, "The job does not exist.", "inexistent_job");
        return { status: 200, body: job };
      },
    }),
  ];
}
