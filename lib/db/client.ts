import { PrismaClient } from "@/lib/generated/prisma/client";
import type { Config } from "@/lib/config/schema";
import { createDatabaseAdapter, type DatabaseAdapter } from "./adapter";

/**
 * The app's Prisma client; `$disconnect` also releases the driver (PGlite instance or pg pool), and
 * `$ready` settles once an embedded database has booted.
 */
export type Database = PrismaClient & { $ready: Promise<void> };

/**
 * Builds a Prisma client for a database configuration, or over an adapter the caller already holds
 * (tests migrate an in-memory PGlite and query it through the same instance). Callers own the client
 * and `$disconnect()` it.
 */
export function createPrismaClient(db: Config["db"] | DatabaseAdapter): Database {
  const adapter = "factory" in db ? db : createDatabaseAdapter(db);
  const prisma = new PrismaClient({ adapter: adapter.factory });
  const disconnect = prisma.$disconnect.bind(prisma);
  return Object.assign(prisma, {
    $ready: adapter.ready,
    $disconnect: async () => {
      await disconnect();
      await adapter.close();
    },
  });
}
