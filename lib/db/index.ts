import "server-only";
import { getConfig } from "@/lib/config";
import { createPrismaClient, type Database } from "./client";

export { createPrismaClient, type Database } from "./client";
export { checkDatabase } from "./check-database";

// One client per process; kept on globalThis so `next dev` reloads do not open a second PGlite
// instance on the same data directory.
const globalForDb = globalThis as typeof globalThis & { tollgateDb?: Database };

/** The app's database (Prisma client over PostgreSQL or PGlite, as configured). */
export function getDb(): Database {
  globalForDb.tollgateDb ??= createPrismaClient(getConfig().db);
  return globalForDb.tollgateDb;
}
