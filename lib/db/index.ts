import "server-only";
import { getConfig } from "@/lib/config";
import { processKey, processSingleton } from "@/lib/process-state";
import { createPrismaClient, type Database } from "./client";

export { createPrismaClient, type Database } from "./client";
export { checkDatabase } from "./check-database";

/**
 * Where the process keeps its database client. Tests put their own database there; a reset forgets
 * the client without disconnecting it (its owner does that).
 */
export const databaseKey = processKey<Database>("database");

/** The app's database (Prisma client over PostgreSQL or PGlite, as configured). */
export function getDb(): Database {
  // One client per process: a `next dev` reload must not open a second PGlite on the same directory.
  return processSingleton(databaseKey, () => createPrismaClient(getConfig().db));
}
