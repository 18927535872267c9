/**
 * The app's per-process state (lib/process-state.ts) as tests arrange it: their own database in place
 * of the configured one, and a fresh start for everything else.
 */
import { databaseKey, type Database } from "@/lib/db";
import { resetProcessStateExcept, setProcessSingleton } from "@/lib/process-state";

/**
 * Makes `db` the app's database, the one `getDb()` returns, until `resetProcessState(databaseKey)`
 * or a full reset. The test keeps owning it (and destroys it).
 */
export function setAppDatabase(db: Database): void {
  setProcessSingleton(databaseKey, db);
}

/**
 * Forgets the gate, Stripe client, logger, rate limiters and caches, as a new process would start
 * without them, but not the database: a test's own, whose pool the rate limiter's PostgreSQL store
 * shares.
 */
export function resetAllButDatabase(): void {
  resetProcessStateExcept(databaseKey);
}
