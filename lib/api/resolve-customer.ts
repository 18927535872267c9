import "server-only";
import type { Database } from "@/lib/db";
import type { VerifiedToken } from "@/lib/gate";

/** How long a subject-to-customer answer is reused in this process. */
const TTL_MS = 2_000;
/** `last_used_at` is written at most this often per machine client (not on every call). */
const LAST_USED_RESOLUTION_MS = 60_000;

interface Resolved {
  customerId: string | null;
  expires: number;
}

// On globalThis: Next bundles route handlers and server actions separately, and a revocation in a
// server action (forgetCaller) must reach the cache the route handlers read.
const globalForCallers = globalThis as typeof globalThis & {
  tollgateCallers?: { cache: Map<string, Resolved>; lastUsedWrites: Map<string, number> };
};
const { cache, lastUsedWrites } = (globalForCallers.tollgateCallers ??= {
  cache: new Map(),
  lastUsedWrites: new Map(),
});

/**
 * The customer a verified caller acts for: people through the users table (`sub` = Auth0 user id),
 * machines through the API clients table (`sub` = `<client_id>@clients`), refusing revoked clients.
 * Answers are reused for two seconds; `forgetCaller` drops one at once (used when a client is revoked
 * here), so a revocation takes effect immediately on this instance and within two seconds on others.
 */
export async function resolveCustomer(
  db: Database,
  caller: Pick<VerifiedToken, "subject" | "kind">,
  now = Date.now(),
): Promise<string | null> {
  const hit = cache.get(caller.subject);
  if (hit && hit.expires > now) return hit.customerId;

  let customerId: string | null = null;
  if (caller.kind === "machine") {
    const clientId = caller.subject.endsWith("@clients") ? caller.subject.slice(0, -"@clients".length) : null;
    const client = clientId
      ? await db.apiClient.findUnique({ where: { clientId }, select: { customerId: true, revokedAt: true } })
      : null;
    if (client && client.revokedAt === null && clientId) {
      customerId = client.customerId;
      touchClient(db, clientId, now);
    }
  } else {
    const user = await db.user.findUnique({
      where: { auth0UserId: caller.subject },
      select: { customerId: true },
    });
    customerId = user?.customerId ?? null;
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(caller.subject, { customerId, expires: now + TTL_MS });
  return customerId;
}

/** Forgets what is known about a subject, e.g. right after its client was revoked. */
export function forgetCaller(subject: string): void {
  cache.delete(subject);
}

function touchClient(db: Database, clientId: string, now: number): void {
  const last = lastUsedWrites.get(clientId) ?? 0;
  if (now - last < LAST_USED_RESOLUTION_MS) return;
  lastUsedWrites.set(clientId, now);
  // Best effort and off the request's path: a lost write only makes "last used" a minute older.
  db.apiClient.update({ where: { clientId }, data: { lastUsedAt: new Date(now) } }).catch(() => {
    lastUsedWrites.delete(clientId);
  });
}
