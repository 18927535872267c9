import "server-only";
import { notFound } from "next/navigation";
import { cache } from "react";
import { currentGate } from "@/lib/api/authenticate-call";
import { getConfig } from "@/lib/config";
import { isGateError, type Gate } from "@/lib/gate";
import { log } from "@/lib/log";
import { claimsOperatorRole } from "./operator-claim";
import { getSession, sessionAccessToken } from "./session";

/**
 * Whether an access token makes its bearer an operator: a person's token, verified by the API's gate
 * (signature, issuer, audience, expiry), whose roles claim (GATE_ROLES_CLAIM) holds `role`. Roles are
 * read from the verified token only, never from the ID token or the session's user profile, which an
 * Auth0 Action or a rule could fill with anything. A token the gate refuses admits no one.
 *
 * @example if (await holdsOperatorRole(token, { gate, role: "admin" })) showAdminLink();
 */
export async function holdsOperatorRole(
  accessToken: string,
  options: { gate: Pick<Gate, "verify">; role: string },
): Promise<boolean> {
  try {
    const verified = await options.gate.verify(accessToken);
    return verified.kind === "person" && verified.roles.includes(options.role);
  } catch (error) {
    if (!isGateError(error)) throw error;
    log.info("auth.operator_refused", error.toLogFields());
    return false;
  }
}

/**
 * Whether the signed-in person is an operator (ADMIN_ROLE in their session's API access token); false
 * when signed out, without a token, or without GATE_ROLES_CLAIM. Deduplicated per request.
 */
export const isOperator = cache(async (): Promise<boolean> => {
  const config = getConfig();
  const session = await getSession();
  if (!session) return false;
  // Every dashboard page asks (for the nav). A stored token that does not even claim the role settles
  // it with no refresh at Auth0, which a Server Component could not save; one that does is verified.
  if (!claimsOperatorRole(session.tokenSet.accessToken)) return false;
  let accessToken: string;
  try {
    accessToken = await sessionAccessToken();
  } catch {
    return false;
  }
  return holdsOperatorRole(accessToken, { gate: currentGate(), role: config.admin.role });
});

/**
 * The backstop of every operator page: anyone else gets the app's 404, so the view's existence is not
 * told to customers. Hiding the nav link is not enough: pages are reachable by URL.
 */
export async function requireOperator(): Promise<void> {
  if (!(await isOperator())) notFound();
}
