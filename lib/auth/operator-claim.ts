import { decodeJwt } from "jose";
import { getConfig } from "@/lib/config";

/** The operator's pages: /dashboard/admin and everything under it. */
export function isOperatorPage(pathname: string): boolean {
  return pathname === "/dashboard/admin" || pathname.startsWith("/dashboard/admin/");
}

/**
 * Whether an access token, unverified, claims the operator role (ADMIN_ROLE in GATE_ROLES_CLAIM); false
 * without a roles claim configured. Only ever a reason to refuse early (the proxy, the nav), never to
 * admit: isOperator in ./operator verifies the token.
 */
export function claimsOperatorRole(accessToken: string): boolean {
  const config = getConfig();
  return (
    config.gate.rolesClaim !== undefined && claimsRole(accessToken, config.gate.rolesClaim, config.admin.role)
  );
}

/**
 * Whether an access token, unverified, claims `role` in `claim` (a claim name, or a dot path as
 * GATE_ROLES_CLAIM allows). Only ever a reason to refuse early, never to admit: see isOperator.
 */
export function claimsRole(accessToken: string, claim: string, role: string): boolean {
  let value: unknown;
  try {
    value = decodeJwt(accessToken);
  } catch {
    return false;
  }
  const path =
    typeof value === "object" && value !== null && Object.hasOwn(value, claim) ? [claim] : claim.split(".");
  for (const segment of path) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, segment)) return false;
    value = (value as Record<string, unknown>)[segment];
  }
  return Array.isArray(value) && value.includes(role);
}
