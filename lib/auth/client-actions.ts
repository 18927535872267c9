import "server-only";
import type { Database } from "@/lib/db";
import type { Gate } from "@/lib/gate";
import type { ApiClient } from "@/lib/generated/prisma/client";
import { consumeRate, type RatePolicy } from "@/lib/metering/rate-limit";
import { checkApiAccess } from "./api-access";
import { AuthError, waitInWords } from "./errors";
import { issueMachineClient, findMachineClient, revokeMachineClient } from "./machine-clients";
import type { ManagementApi } from "./management";

/**
 * Machine-client changes a customer may make per hour, counted on every instance (Redis, else
 * PostgreSQL). Each creation costs two Management API calls and a later revocation a third, all from
 * the tenant's shared budget (about 2 a second on Auth0's free tenants): without a limit one customer
 * could spend it for everyone.
 */
export const CLIENT_CHANGES_POLICY: RatePolicy = {
  name: "machine-client-changes",
  points: 10,
  durationSeconds: 3600,
};

/** What a person's client actions need: the database, Auth0, and the gate (default: the app's). */
export interface ClientActionDeps {
  db: Database;
  management: ManagementApi;
  gate?: Pick<Gate, "verify">;
}

/** The signed-in person acting: their customer and their own API access token. */
export interface ActingPerson {
  customerId: string;
  accessToken: string;
}

/**
 * Creates a machine client for the person's customer, if the API would accept the person themselves
 * (a client carries their access on), within the hourly limit and the cap.
 *
 * @throws {AuthError} ERR_ROLE_REQUIRED, ERR_RATE_LIMITED, ERR_TOO_MANY_CLIENTS, ERR_MANAGEMENT_*...
 */
export async function createClientAsPerson(
  person: ActingPerson,
  request: { name: string; scopes: readonly string[] },
  deps: ClientActionDeps,
): Promise<{ client: ApiClient; clientSecret: string }> {
  await checkApiAccess(person.accessToken, deps.gate);
  await spendClientChange(person.customerId);
  return issueMachineClient(deps.db, person.customerId, request, { management: deps.management });
}

/**
 * Revokes one of the customer's machine clients. Revoking an active client is never limited (a leaked
 * secret must always be revocable, and each client is revoked once, so creations bound these calls);
 * revoking one already revoked only retries its deletion at Auth0, and counts against the limit.
 *
 * @throws {AuthError} ERR_CLIENT_NOT_FOUND, ERR_RATE_LIMITED, ERR_MANAGEMENT_*...
 */
export async function revokeClientAsPerson(
  customerId: string,
  id: string,
  deps: Omit<ClientActionDeps, "gate">,
): Promise<ApiClient> {
  const existing = await findMachineClient(deps.db, customerId, id);
  if (existing?.revokedAt) await spendClientChange(customerId);
  return revokeMachineClient(deps.db, customerId, id, { management: deps.management });
}

async function spendClientChange(customerId: string): Promise<void> {
  const rate = await consumeRate(CLIENT_CHANGES_POLICY, customerId);
  if (rate.allowed) return;
  throw new AuthError(
    "ERR_RATE_LIMITED",
    `You have made ${CLIENT_CHANGES_POLICY.points} client changes in the last hour, the most allowed. Try again in ${waitInWords(rate.resetSeconds)}.`,
    rate.resetSeconds,
  );
}
