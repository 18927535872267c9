import { PrismaClient } from "@/lib/generated/prisma/client";
import type pg from "pg";
import type { DatabaseConfig } from "@/lib/config/schema";
import { createDatabaseAdapter, type DatabaseAdapter } from "./adapter";

/**
 * The app's Prisma client; `$disconnect` also releases the driver (PGlite instance or pg pool),
 * `$ready` settles once an embedded database has booted, and `$pool` is the PostgreSQL pool (null on
 * PGlite) for the few clients that take a pg pool of their own (the rate limiter's store).
 */
export type Database = PrismaClient & { $ready: Promise<void>; $pool: pg.Pool | null };

/**
 * Builds a Prisma client for a database configuration, or over an adapter the caller already holds
 * (tests migrate an in-memory PGlite and query it through the same instance). Callers own the client
 * and `$disconnect()` it.
 */
export function createPrismaClient(db: DatabaseConfig | DatabaseAdapter): Database {
  const adapter = "factory" in db ? db : createDatabaseAdapter(db);
  const prisma = new PrismaClient({ adapter: adapter.factory });
  const disconnect = prisma.$disconnect.bind(prisma);
  return Object.assign(prisma, {
    $ready: adapter.ready,
    $pool: adapter.pool,
    $disconnect: async () => {
      await disconnect();
      await adapter.close();
    },
  });
}
