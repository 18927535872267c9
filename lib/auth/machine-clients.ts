import "server-only";
import { requiredScopes } from "@/lib/api/catalog";
import { catalog } from "@/lib/api/operations";
import { forgetCaller } from "@/lib/api/resolve-customer";
import { getConfig } from "@/lib/config";
import type { Database } from "@/lib/db";
import type { ApiClient } from "@/lib/generated/prisma/client";
import { createMachineClient, deleteMachineClient } from "./management";

/** Every scope some operation of the API requires, in catalog order: what a client may be granted. */
export function grantableScopes(): string[] {
  return [...new Set(catalog.operations.flatMap((operation) => requiredScopes(operation.scopes)))];
}

/** The most active (unrevoked) machine clients one customer may have. */
export const MAX_CLIENTS_PER_CUSTOMER = 10;

/** Why a machine-client action was refused; the message is for the person who asked. */
export class MachineClientError extends Error {
  override name = "MachineClientError";
  constructor(
    readonly code: "ERR_CLIENT_NOT_FOUND" | "ERR_TOO_MANY_CLIENTS",
    message: string,
  ) {
    super(message);
  }
}

/** A customer's machine clients, newest first (revoked ones included, marked). */
export async function listMachineClients(db: Database, customerId: string): Promise<ApiClient[]> {
  return db.apiClient.findMany({ where: { customerId }, orderBy: { createdAt: "desc" } });
}

/**
 * Creates a machine client for a customer at Auth0 with a grant for the API, and records it as the
 * customer's (the gate maps `<client_id>@clients` through that row). Returns the secret, once.
 */
export async function issueMachineClient(
  db: Database,
  customerId: string,
  request: { name: string; scopes: readonly string[] },
): Promise<{ client: ApiClient; clientSecret: string }> {
  const active = await db.apiClient.count({ where: { customerId, revokedAt: null } });
  if (active >= MAX_CLIENTS_PER_CUSTOMER) {
    throw new MachineClientError(
      "ERR_TOO_MANY_CLIENTS",
      `You already have ${MAX_CLIENTS_PER_CUSTOMER} active clients. Revoke one you no longer use first.`,
    );
  }
  const created = await createMachineClient({
    name: request.name,
    audience: getConfig().gate.audience,
    scopes: request.scopes,
  });
  try {
    const client = await db.apiClient.create({
      data: { clientId: created.clientId, customerId, name: request.name, scopes: [...request.scopes] },
    });
    return { client, clientSecret: created.clientSecret };
  } catch (error) {
    // Unrecorded, the client could get tokens that map to no customer: remove it at Auth0 too.
    await deleteMachineClient(created.clientId).catch(() => undefined);
    throw error;
  }
}

/**
 * Revokes one of the customer's machine clients: marks it revoked (the gate refuses its tokens at
 * once on this instance, within seconds on others) and deletes it at Auth0. Another customer's client
 * is "not found", never revoked.
 */
export async function revokeMachineClient(db: Database, customerId: string, id: string): Promise<ApiClient> {
  const owned = await db.apiClient.findFirst({ where: { id, customerId } });
  if (!owned) throw new MachineClientError("ERR_CLIENT_NOT_FOUND", "That client does not exist.");
  const client = owned.revokedAt
    ? owned
    : await db.apiClient.update({ where: { id: owned.id }, data: { revokedAt: new Date() } });
  await forgetCaller(`${client.clientId}@clients`);
  await deleteMachineClient(client.clientId);
  return client;
}
