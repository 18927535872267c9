import "server-only";
import { randomUUID } from "node:crypto";
import type { Database } from "@/lib/db";

/**
 * Runs `job` if no other instance holds the lease `name`, holding it for at most `ttlMs` (a holder
 * that crashed is overtaken once that passes). Returns `{ ran: false }` without running when the
 * lease is held. A row lease instead of `pg_try_advisory_lock`: session-level advisory locks do not
 * survive a transaction pooler (PgBouncer, Supavisor, Neon's pooler), which the app connects through.
 *
 * @example const outcome = await withJobLease(db, "usage-reporter", 60_000, () => reportUsage(...));
 */
export async function withJobLease<T>(
  db: Database,
  name: string,
  ttlMs: number,
  job: () => Promise<T>,
): Promise<{ ran: true; result: T } | { ran: false }> {
  const holder = randomUUID();
  const taken = await db.$queryRaw<{ holder: string }[]>`
    INSERT INTO job_leases (name, holder, expires_at, last_started_at)
    VALUES (${name}, ${holder}::uuid, now() + ${ttlMs}::float8 * interval '1 millisecond', now())
    ON CONFLICT (name) DO UPDATE
    SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at, last_started_at = EXCLUDED.last_started_at
    WHERE job_leases.expires_at <= now()
    RETURNING holder`;
  if (taken.length === 0) return { ran: false };
  try {
    return { ran: true, result: await job() };
  } finally {
    await db.$executeRaw`
      UPDATE job_leases SET expires_at = now(), last_finished_at = now()
      WHERE name = ${name} AND holder = ${holder}::uuid`;
  }
}
