import "server-only";
import { afterResponse } from "@/lib/after-response";
import { instanceCache } from "@/lib/cache/instance-cache";
import type { Database } from "@/lib/db";
import type { VerifiedToken } from "@/lib/gate";
import { processSingleton } from "@/lib/process-state";

/** `last_used_at` is written at most this often per machine client (not on every call). */
const LAST_USED_RESOLUTION_MS = 60_000;

/** The customer of a subject, or null for none (unknown, or a revoked client). */
const callerCache = () => instanceCache<{ customerId: string | null }>("caller");
/** When each machine client's `last_used_at` was last written from this process. */
const lastUsedWrites = () => processSingleton("caller:last-used", () => new Map<string, number>());

/**
 * The customer a verified caller acts for: people through the users table (`sub` = Auth0 user id; their
 * active team, if they are still its member),
 * machines through the API clients table (`sub` = `<client_id>@clients`), refusing revoked clients.
 * Answers are reused for `CALLER_CACHE_SECONDS` (2 s); `forgetCaller` drops one at once here and,
 * through Redis, on every other instance, so a revocation holds everywhere within that bound.
 * An API key names its customer itself, read from the database for this very call (`freshKeys`), and
 * has its `last_used_at` written at most once a minute.
 */
export async function resolveCustomer(
  db: Database,
  caller: Pick<VerifiedToken, "subject" | "kind" | "apiKey">,
  now = Date.now(),
): Promise<string | null> {
  if (caller.apiKey) {
    touchKey(db, caller.apiKey.id, caller.apiKey.lastUsedAt, now);
    return caller.apiKey.customerId;
  }
  if (caller.kind === "key") return null;
  const cache = callerCache();
  const hit = cache.get(caller.subject, now);
  if (hit) return hit.customerId;

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
    // A person acts for their active team, and only while they are still a member of it.
    const user = await db.user.findUnique({
      where: { auth0UserId: caller.subject },
      select: { customerId: true, memberships: { select: { customerId: true } } },
    });
    customerId = user?.memberships.some((team) => team.customerId === user.customerId)
      ? user.customerId
      : null;
  }
  cache.set(caller.subject, { customerId }, now);
  return customerId;
}

/** Forgets what every instance knows about a subject, e.g. right after its client was revoked. */
export function forgetCaller(subject: string): Promise<void> {
  return callerCache().invalidate(subject);
}

function touchClient(db: Database, clientId: string, now: number): void {
  const writes = lastUsedWrites();
  if (now - (writes.get(clientId) ?? 0) < LAST_USED_RESOLUTION_MS) return;
  if (writes.size >= 10_000) writes.clear();
  writes.set(clientId, now);
  // After the answer, and kept alive until done where the platform freezes idle functions: a lost
  // write only makes "last used" a minute older.
  afterResponse("caller.touch_client", async () => {
    await db.apiClient.update({ where: { clientId }, data: { lastUsedAt: new Date(now) } }).catch(() => {
      writes.delete(clientId);
    });
  });
}

/** Writes a key's `last_used_at` when the database's is a minute old (shared by every instance). */
function touchKey(db: Database, id: string, lastUsedAt: Date | null, now: number): void {
  if (lastUsedAt && now - lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  const writes = lastUsedWrites();
  const slot = `key:${id}`;
  // Calls in the moment before the first write lands read the old time too: one write for them all.
  if (now - (writes.get(slot) ?? 0) < LAST_USED_RESOLUTION_MS) return;
  if (writes.size >= 10_000) writes.clear();
  writes.set(slot, now);
  afterResponse("caller.touch_key", async () => {
    await db.apiKey.update({ where: { id }, data: { lastUsedAt: new Date(now) } }).catch(() => {
      writes.delete(slot);
    });
  });
}
