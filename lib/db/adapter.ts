import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import type { SqlMigrationAwareDriverAdapterFactory } from "@prisma/driver-adapter-utils";
import type { Config } from "@/lib/config/schema";
import { PGliteAdapterFactory } from "./pglite-adapter";

/** A Prisma driver adapter factory and a way to release what it holds. */
export interface DatabaseAdapter {
  kind: Config["db"]["kind"];
  factory: SqlMigrationAwareDriverAdapterFactory;
  /** Settles once the database engine has started (PGlite boots in-process; a server is already up). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * The one place that decides between a PostgreSQL server (`DATABASE_URL`) and embedded PGlite. The app's
 * Prisma client and `npm run db:migrate` both go through it, so they always talk to the same database.
 */
export function createDatabaseAdapter(db: Config["db"]): DatabaseAdapter {
  if (db.kind === "postgres") {
    const factory = new PrismaPg({ connectionString: db.url, connectionTimeoutMillis: 5_000 });
    return { kind: db.kind, factory, ready: Promise.resolve(), close: async () => {} };
  }
  // PGlite keeps one Postgres instance in this process; "memory://" keeps it in memory (tests).
  if (!db.dataDir.includes("://")) mkdirSync(db.dataDir, { recursive: true });
  const pglite = new PGlite(db.dataDir);
  return {
    kind: db.kind,
    factory: new PGliteAdapterFactory(pglite),
    ready: pglite.waitReady,
    close: () => pglite.close(),
  };
}
