import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import { attachDatabasePool } from "@vercel/functions/db-connections";
import pg from "pg";
import type { DatabaseConfig } from "@/lib/config/schema";
import { log } from "@/lib/log";
import { PGliteAdapterFactory } from "./pglite-adapter";

/** A Prisma driver adapter factory and a way to release what it holds. */
export interface DatabaseAdapter {
  kind: DatabaseConfig["kind"];
  factory: SqlMigrationAwareDriverAdapterFactory;
  /** Settles once the database engine has started (PGlite boots in-process; a server is already up). */
  ready: Promise<void>;
  /** The PostgreSQL connection pool (the rate limiter's store shares it); null for PGlite. */
  pool: pg.Pool | null;
  close(): Promise<void>;
}

/**
 * The one place that decides between a PostgreSQL server (`DATABASE_URL`) and embedded PGlite. The app's
 * Prisma client and `npm run db:migrate` both go through it, so they always talk to the same database.
 */
export function createDatabaseAdapter(db: DatabaseConfig): DatabaseAdapter {
  if (db.kind === "postgres") {
    const pool = new pg.Pool({
      connectionString: db.url,
      max: db.poolMax ?? 10,
      idleTimeoutMillis: db.poolIdleTimeoutMs ?? 10_000,
      connectionTimeoutMillis: 5_000,
    });
    // An idle connection that the server drops (a restart, a failover, a pooler's timeout) is
    // reported on the pool; without a listener Node treats it as an uncaught exception and the whole
    // server exits. The pool replaces it by itself, and queries in flight fail on their own.
    pool.on("error", (error) => log.warn("db.connection_lost", { error: error.message }));
    // On Vercel, keeps a suspended instance alive just long enough to close its idle connections
    // instead of leaking them to the database; elsewhere it does nothing (it checks VERCEL_URL).
    attachDatabasePool(pool);
    return {
      kind: db.kind,
      factory: new PrismaPg(pool),
      ready: Promise.resolve(),
      pool,
      close: () => pool.end(),
    };
  }
  // PGlite keeps one Postgres instance in this process; "memory://" keeps it in memory (tests).
  if (!db.dataDir.includes("://")) mkdirSync(db.dataDir, { recursive: true });
  const pglite = new PGlite(db.dataDir);
  return {
    kind: db.kind,
    factory: new PGliteAdapterFactory(pglite),
    ready: pglite.waitReady,
    pool: null,
    close: () => pglite.close(),
  };
}
