import { loadConfig } from "@/lib/config/schema";
import { createDatabaseAdapter } from "@/lib/db/adapter";
import { applyMigrations } from "@/lib/db/migrations";

export const MIGRATIONS_DIR = "prisma/migrations";
export const SCHEMA_PATH = "prisma/schema.prisma";

/** Applies pending migrations to the database an environment configures; returns their names. */
export async function migrateDatabase(env: NodeJS.ProcessEnv, log: (line: string) => void = console.log) {
  const { db } = loadConfig(env);
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
