import "server-only";
import { catalog } from "@/product/operations";
import { forgetApiKey } from "@/lib/api/authenticate-call";
import { getCustomerAccess, mayUse } from "@/lib/billing/access-cache";
import { getConfig } from "@/lib/config";
import type { Database } from "@/lib/db";
import { generateApiKey, type Gate } from "@/lib/gate";
import type { ApiKey } from "@/lib/generated/prisma/client";
import { checkApiAccess } from "./api-access";
import { AuthError } from "./errors";

/** The most active (unrevoked, unexpired) API keys one customer may have. */
export const MAX_KEYS_PER_CUSTOMER = 25;

/** What a new key is made with; see {@link issueApiKey}. */
export interface ApiKeyRequest {
  name: string;
  scopes: readonly string[];
  /** Whole days until the key stops working; undefined: never. */
  expiresInDays?: number;
  /** Calls a second this key may make; undefined: the plan's rate alone. */
  rateLimitPerSecond?: number;
}

/** The scopes a customer's keys may carry: the API's scopes that the customer's plan grants. */
export async function keyScopesFor(db: Database, customerId: string, now = new Date()): Promise<string[]> {
  const access = await getCustomerAccess(db, customerId, { now });
  return catalog.scopes.filter((scope) => mayUse(access, scope));
}

/** The customer's API keys, newest first, revoked ones included (never their hashes' keys). */
export function listApiKeys(db: Database, customerId: string): Promise<ApiKey[]> {
  return db.apiKey.findMany({ where: { customerId }, orderBy: { createdAt: "desc" } });
}

/**
 * Makes an API key for a customer and stores only its hash and visible prefix. Returns the key itself,
 * which nobody can see again: show it once.
 *
 * @throws {AuthError} ERR_SCOPE_NOT_IN_PLAN, ERR_TOO_MANY_KEYS.
 */
export async function issueApiKey(
  db: Database,
  customerId: string,
  request: ApiKeyRequest,
  now = new Date(),
): Promise<{ apiKey: ApiKey; key: string }> {
  const allowed = await keyScopesFor(db, customerId, now);
  const outside = request.scopes.filter((scope) => !allowed.includes(scope));
  if (outside.length > 0) {
    throw new AuthError(
      "ERR_SCOPE_NOT_IN_PLAN",
      `Your plan does not include ${outside.join(", ")}. Upgrade under Billing, or leave it out.`,
    );
  }
  const active = await db.apiKey.count({
    where: { customerId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] },
  });
  if (active >= MAX_KEYS_PER_CUSTOMER) {
    throw new AuthError(
      "ERR_TOO_MANY_KEYS",
      `You have ${MAX_KEYS_PER_CUSTOMER} active API keys, the most allowed. Revoke one you no longer use first.`,
    );
  }
  const { key, prefix, hash } = generateApiKey(getConfig().apiKeys.environment);
  const expiresAt =
    request.expiresInDays === undefined ? null : new Date(now.getTime() + request.expiresInDays * 86_400_000);
  const apiKey = await db.apiKey.create({
    data: {
      customerId,
      name: request.name,
      prefix,
      hash,
      scopes: [...request.scopes],
      createdAt: now,
      expiresAt,
      rateLimitPerSecond: request.rateLimitPerSecond ?? null,
    },
  });
  return { apiKey, key };
}

/**
 * Revokes one of the customer's API keys: the API refuses it on its next call on every instance (the
 * route handler reads the key from the database on each call) and this process forgets it at once.
 * Another customer's key is "not found", never revoked.
 *
 * @throws {AuthError} ERR_KEY_NOT_FOUND.
 */
export async function revokeApiKey(db: Database, customerId: string, id: string): Promise<ApiKey> {
  const owned = await db.apiKey.findFirst({ where: { id, customerId } });
  if (!owned) throw new AuthError("ERR_KEY_NOT_FOUND", "That API key does not exist.");
  const apiKey = owned.revokedAt
    ? owned
    : await db.apiKey.update({ where: { id: owned.id }, data: { revokedAt: new Date() } });
  forgetApiKey(apiKey.hash);
  return apiKey;
}

/**
 * Makes an API key for the signed-in person's customer, if the API would accept the person themselves
 * (a key carries their access on, as a machine client does); see {@link issueApiKey}.
 *
 * @throws {AuthError} ERR_ROLE_REQUIRED, ERR_API_TOKEN_UNAVAILABLE, ERR_SCOPE_NOT_IN_PLAN, ERR_TOO_MANY_KEYS...
 */
export async function createApiKeyAsPerson(
  person: { customerId: string; accessToken: string },
  request: ApiKeyRequest,
  deps: { db: Database; gate?: Pick<Gate, "verify"> },
): Promise<{ apiKey: ApiKey; key: string }> {
  await checkApiAccess(person.accessToken, deps.gate);
  return issueApiKey(deps.db, person.customerId, request);
}
