import { PermissionDeniedError } from "./errors";
import { can, type Permission, type Role } from "./roles";

/** A person acting for their active team: who, for which team (customer), in which role. */
export interface TeamActor {
  userId: string;
  customerId: string;
  role: Role;
}

/**
 * Refuses an actor whose role does not allow `permission`. Team functions call it themselves, beside
 * the server action's own check, so no caller can skip it.
 *
 * @throws {PermissionDeniedError} ERR_PERMISSION_DENIED
 */
export function requirePermission(actor: Pick<TeamActor, "role">, permission: Permission): void {
  if (!can(actor.role, permission)) throw new PermissionDeniedError(actor.role, permission);
}
