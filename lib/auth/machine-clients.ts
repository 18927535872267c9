import "server-only";
import { randomUUID } from "node:crypto";
import { catalog } from "@/product/operations";
import { forgetCaller } from "@/lib/api/resolve-customer";
import { getConfig } from "@/lib/config";
import type { Database } from "@/lib/db";
import type { ApiClient } from "@/lib/generated/prisma/client";
import { log } from "@/lib/log";
import { AuthError } from "./errors";
import { getManagementApi, type ManagementApi } from "./management";

/** Every scope some operation of the API requires, in catalog order: what a client may be granted. */
export function grantableScopes(): string[] {
  return [...catalog.scopes];
}

/** The most active (unrevoked) machine clients one customer may have. */
export const MAX_CLIENTS_PER_CUSTOMER = 10;

/**
 * A reserved slot's `client_id` until Auth0 has made the client. Auth0 client ids are alphanumeric,
 * so no token's `sub` (`<client_id>@clients`) can ever name a reservation.
 */
const PENDING_PREFIX = "pending:";
/**
 * A reservation older than this was left by a process that died mid-creation: it no longer holds a
 * slot. Far longer than a creation takes (two Management API calls of at most 10 s, one short retry).
 */
const RESERVATION_TTL_MS = 5 * 60_000;

/** Why a machine-client action was refused; the message is for the person who asked. */
export class MachineClientError extends AuthError {
  override name = "MachineClientError";
  constructor(
    override readonly code: "ERR_CLIENT_NOT_FOUND" | "ERR_TOO_MANY_CLIENTS",
    message: string,
  ) {
    super(code, message);
  }
}

/** Boundaries a machine-client change crosses besides the database. */
export interface MachineClientOptions {
  /** Default: the app's Management API client (`getManagementApi()`). */
  management?: ManagementApi;
}

const notPending = { NOT: { clientId: { startsWith: PENDING_PREFIX } } };

/** A customer's machine clients, newest first (revoked ones included, marked). */
export async function listMachineClients(db: Database, customerId: string): Promise<ApiClient[]> {
  return db.apiClient.findMany({ where: { customerId, ...notPending }, orderBy: { createdAt: "desc" } });
}

/**
 * Creates a machine client for a customer at Auth0 with a grant for the API, and records it as the
 * customer's (the gate maps `<client_id>@clients` through that row). Returns the secret, once.
 *
 * The cap holds under any concurrency, across instances: a slot is reserved first, in a transaction
 * that locks the customer's row, and only then is Auth0 asked, so a refused attempt costs no
 * Management API call and a failed one gives its slot back.
 */
export async function issueMachineClient(
  db: Database,
  customerId: string,
  request: { name: string; scopes: readonly string[] },
  { management = getManagementApi() }: MachineClientOptions = {},
): Promise<{ client: ApiClient; clientSecret: string }> {
  const reservation = await reserveSlot(db, customerId, request);
  let created: { clientId: string; clientSecret: string };
  try {
    created = await management.createMachineClient({
      name: request.name,
      audience: getConfig().gate.audience,
      scopes: request.scopes,
      metadata: { tollgate_customer_id: customerId },
    });
  } catch (error) {
    await db.apiClient.deleteMany({ where: reservation });
    throw error;
  }
  try {
    // Conditional on the reservation still being there: a sweep may have taken a very late one.
    const client = await db.apiClient.update({ where: reservation, data: { clientId: created.clientId } });
    return { client, clientSecret: created.clientSecret };
  } catch (error) {
    // Unrecorded, the client could get tokens that map to no customer: remove it at Auth0 too.
    await management
      .deleteMachineClient(created.clientId)
      .catch((cleanup: unknown) =>
        log.error("auth.orphan_machine_client", { clientId: created.clientId, error: String(cleanup) }),
      );
    await db.apiClient.deleteMany({ where: reservation });
    throw error;
  }
}

/**
 * Takes one of the customer's client slots: a row with a placeholder client id, counted with the
 * active clients. The customer row's lock serializes reservations of one customer on every
 * connection and instance (PostgreSQL, or PGlite); the count after it sees every reservation
 * committed before. Only reads and writes of a few rows happen under it: no Auth0 call.
 */
async function reserveSlot(
  db: Database,
  customerId: string,
  request: { name: string; scopes: readonly string[] },
): Promise<{ id: string; clientId: string }> {
  return db.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id FROM customers WHERE id = ${customerId}::uuid FOR UPDATE`;
    if (locked.length === 0) throw new Error(`no customer ${customerId}`);
    await tx.apiClient.deleteMany({
      where: {
        customerId,
        clientId: { startsWith: PENDING_PREFIX },
        createdAt: { lt: new Date(Date.now() - RESERVATION_TTL_MS) },
      },
    });
    const active = await tx.apiClient.count({ where: { customerId, revokedAt: null } });
    if (active >= MAX_CLIENTS_PER_CUSTOMER) {
      throw new MachineClientError(
        "ERR_TOO_MANY_CLIENTS",
        `You already have ${MAX_CLIENTS_PER_CUSTOMER} active clients. Revoke one you no longer use first.`,
      );
    }
    const clientId = `${PENDING_PREFIX}${randomUUID()}`;
    const row = await tx.apiClient.create({
      data: { clientId, customerId, name: request.name, scopes: [...request.scopes] },
      select: { id: true },
    });
    return { id: row.id, clientId };
  });
}

/** One of the customer's machine clients (not a reservation), or null. */
export async function findMachineClient(
  db: Database,
  customerId: string,
  id: string,
): Promise<ApiClient | null> {
  return db.apiClient.findFirst({ where: { id, customerId, ...notPending } });
}

/**
 * Revokes one of the customer's machine clients: marks it revoked (the gate refuses its tokens at
 * once on this instance, within seconds on others) and deletes it at Auth0. Another customer's client
 * is "not found", never revoked.
 */
export async function revokeMachineClient(
  db: Database,
  customerId: string,
  id: string,
  { management = getManagementApi() }: MachineClientOptions = {},
): Promise<ApiClient> {
  const owned = await findMachineClient(db, customerId, id);
  if (!owned) throw new MachineClientError("ERR_CLIENT_NOT_FOUND", "That client does not exist.");
  const client = owned.revokedAt
    ? owned
    : await db.apiClient.update({ where: { id: owned.id }, data: { revokedAt: new Date() } });
  await forgetCaller(`${client.clientId}@clients`);
  await management.deleteMachineClient(client.clientId);
  return client;
}
