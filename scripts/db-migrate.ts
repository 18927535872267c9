/**
 * `npm run db:migrate`: applies prisma/migrations to the configured database (DATABASE_URL, else
 * embedded PGlite) through Prisma's WebAssembly schema engine: no native binaries, no network.
 * Equivalent to `prisma migrate deploy`, with the same `_prisma_migrations` bookkeeping.
 */
import { migrateDatabase } from "./lib/migrate-database";

try {
  await migrateDatabase(process.env);
} catch (error) {
  console.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
