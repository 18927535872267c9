import { AuthError } from "@/lib/auth/errors";
import { roleLabel, type Permission, type Role } from "./roles";

/** A refusal of a team action; a form shows its message (see lib/auth/validated-action.ts). */
export class TeamError extends AuthError {
  override name = "TeamError";
}

const WHAT: Record<Permission, string> = {
  "members:manage": "manage the team's members",
  "billing:manage": "manage billing",
  "invoices:view": "see invoices",
  "keys:manage": "manage API keys and clients",
  "usage:view": "see usage",
};

/** The person's role does not allow `permission`. */
export class PermissionDeniedError extends TeamError {
  override name = "PermissionDeniedError";
  constructor(
    readonly role: Role,
    readonly permission: Permission,
  ) {
    super(
      "ERR_PERMISSION_DENIED",
      `As ${roleLabel(role).toLowerCase()} of this team you cannot ${WHAT[permission]}. Ask an owner.`,
    );
  }
}
