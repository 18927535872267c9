/**
 * The app's per-process state (lib/process-state.ts) as tests arrange it: their own database in place
 * of the configured one, and a fresh start for everything else.
 */
import { vi } from "vitest";
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

/**
 * Stubs `env` (undefined unsets a variable) and forgets the app's modules and every singleton but the
 * database, so that what a test imports next loads as a new process with that environment would.
 * Example: `startNewProcess({ CRON_SECRET: secret }); const { GET } = await import("./route");`
 */
export function startNewProcess(env: Record<string, string | undefined> = {}): void {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.resetModules();
  resetAllButDatabase();
}
