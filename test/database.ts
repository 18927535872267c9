import type { Config } from "@/lib/config/schema";
import { createDatabaseAdapter, type DatabaseAdapter } from "@/lib/db/adapter";
import { createPrismaClient, type Database } from "@/lib/db/client";
import { applyMigrations } from "@/lib/db/migrations";
import { dropDatabase, freshDatabaseUrl } from "@/scripts/lib/fresh-database";
import { MIGRATIONS_DIR, SCHEMA_PATH } from "@/scripts/lib/migrate-database";

/** Which backend the integration tests run on: the server in DATABASE_URL, else in-memory PGlite. */
export const TEST_BACKEND: Config["db"]["kind"] = process.env.DATABASE_URL ? "postgres" : "pglite";

export interface TestDatabase {
  config: Config["db"];
  adapter: DatabaseAdapter;
  /** Applies prisma/migrations; returns the names applied. */
  migrate(): Promise<string[]>;
  /** A Prisma client over this database (migrate first). */
  client(): Database;
  /** Disconnects and, on PostgreSQL, drops the database. */
  destroy(): Promise<void>;
}

/**
 * An empty database of its own for one test file: a fresh database on the PostgreSQL server of
 * DATABASE_URL, or an in-memory PGlite. Real databases, never mocks.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  const config: Config["db"] = serverUrl
    ? { kind: "postgres", url: await freshDatabaseUrl(serverUrl, "tollgate_test") }
    : { kind: "pglite", dataDir: "memory://" };
  const adapter = createDatabaseAdapter(config);
  let prisma: Database | undefined;
  return {
    config,
    adapter,
    migrate: () =>
      applyMigrations({
        adapterFactory: adapter.factory,
        migrationsDir: MIGRATIONS_DIR,
        schemaPath: SCHEMA_PATH,
      }),
    client() {
      prisma ??= createPrismaClient(adapter);
      return prisma;
    },
    async destroy() {
      if (prisma) await prisma.$disconnect();
      else await adapter.close();
      if (config.kind === "postgres") await dropDatabase(config.url);
    },
  };
}

/** A migrated test database and its client, for tests that only need the tables. */
export async function createMigratedDatabase(): Promise<TestDatabase & { db: Database }> {
  const database = await createTestDatabase();
  await database.migrate();
  return Object.assign(database, { db: database.client() });
}
