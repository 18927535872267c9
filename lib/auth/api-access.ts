import "server-only";
import { currentGate } from "@/lib/api/authenticate-call";
import { isGateError, type Gate, type VerifiedToken } from "@/lib/gate";
import { log } from "@/lib/log";
import { AuthError } from "./errors";

/**
 * Checks a person's own API access token with the API's gate, so that the dashboard asks of a person
 * exactly what the API asks (signature, audience, expiry, and GATE_REQUIRED_ROLES in GATE_ROLES_CLAIM).
 * Whatever gives a person API access (a machine client, their token revealed) must pass it first: the
 * gate checks roles on people's tokens only (Auth0 never puts roles in client-credentials tokens), so
 * a client made for someone without the role would otherwise be a way around the role.
 *
 * @throws {AuthError} ERR_ROLE_REQUIRED, ERR_API_TOKEN_UNAVAILABLE or ERR_API_KEYS_UNAVAILABLE.
 * @example await checkApiAccess(accessToken); // then create the client
 */
export async function checkApiAccess(
  accessToken: string,
  gate: Pick<Gate, "verify"> = currentGate(),
): Promise<VerifiedToken> {
  try {
    return await gate.verify(accessToken);
  } catch (error) {
    if (!isGateError(error)) throw error;
    log.info("auth.api_access_refused", error.toLogFields());
    if (error.code === "ERR_ROLE_REQUIRED") {
      throw new AuthError(
        "ERR_ROLE_REQUIRED",
        `The API requires the role ${error.requiredRoles.join(", ")}, which your account does not have. Ask an administrator for it, then sign out and in again.`,
      );
    }
    if (error.code === "ERR_JWKS_UNAVAILABLE") {
      throw new AuthError(
        "ERR_API_KEYS_UNAVAILABLE",
        "The API cannot check tokens right now. Try again in a moment.",
        error.retryAfterSeconds,
      );
    }
    throw new AuthError(
      "ERR_API_TOKEN_UNAVAILABLE",
      "Your session has no valid API token. Sign out and sign in again.",
    );
  }
}
