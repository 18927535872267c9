/**
 * `npm run db:migration -- <name>`: writes prisma/migrations/<timestamp>_<name>/migration.sql with the
 * SQL that takes the migration history to prisma/schema.prisma, like `prisma migrate dev --create-only`
 * (without its data-loss warning comment: review destructive changes yourself). The history is replayed
 * on a throwaway in-memory PGlite, so no database server is needed. Apply it with `npm run db:migrate`.
 */
import { PGlite } from "@electric-sql/pglite";
import { createMigration } from "@/lib/db/migrations";
import { PGliteAdapterFactory } from "@/lib/db/pglite-adapter";
import { MIGRATIONS_DIR, SCHEMA_PATH } from "./lib/migrate-database";

const [name, ...rest] = process.argv.slice(2).filter((arg) => arg !== "--");
const draft = rest.includes("--draft") || name === "--draft";
if (!name || name.startsWith("--")) {
  console.error("usage: npm run db:migration -- <name> [--draft]");
  process.exit(2);
}

const main = new PGlite();
const shadow = new PGlite();
try {
  const created = await createMigration({
    adapterFactory: new PGliteAdapterFactory(main),
    shadowAdapterFactory: new PGliteAdapterFactory(shadow),
    migrationsDir: MIGRATIONS_DIR,
    schemaPath: SCHEMA_PATH,
    name,
    draft,
  });
  console.log(created ? `Wrote ${created.path}` : "The schema matches the migrations: nothing to write.");
} finally {
  await Promise.all([main.close(), shadow.close()]);
}
