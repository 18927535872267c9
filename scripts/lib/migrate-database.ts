import { loadConfig } from "@/lib/config/schema";
import { createDatabaseAdapter } from "@/lib/db/adapter";
import { applyMigrations } from "@/lib/db/migrations";

export const MIGRATIONS_DIR = "prisma/migrations";
export const SCHEMA_PATH = "prisma/schema.prisma";

/**
 * Applies pending migrations to the database an environment configures; returns their names. On
 * PostgreSQL it connects to DATABASE_URL_UNPOOLED when set: Prisma's migration lock is a session-level
 * advisory lock, which a transaction pooler (the usual DATABASE_URL in production) cannot keep.
 */
export async function migrateDatabase(env: NodeJS.ProcessEnv, log: (line: string) => void = console.log) {
  const config = loadConfig(env).db;
  const db = config.kind === "postgres" ? { kind: config.kind, url: config.directUrl ?? config.url } : config;
  const adapter = createDatabaseAdapter(db);
  const where =
    db.kind === "postgres"
      ? `PostgreSQL ${new URL(db.url).host}${new URL(db.url).pathname}`
      : `PGlite ${db.dataDir}`;
  try {
    const applied = await applyMigrations({
      adapterFactory: adapter.factory,
      migrationsDir: MIGRATIONS_DIR,
      schemaPath: SCHEMA_PATH,
    });
    log(
      applied.length === 0
        ? `${where}: up to date, no migration to apply`
        : `${where}: applied ${applied.join(", ")}`,
    );
    return applied;
  } finally {
    await adapter.close();
  }
}
