import { PrismaClient } from "@/lib/generated/prisma/client";
import type { Config } from "@/lib/config/schema";
import { createDatabaseAdapter } from "./adapter";

/** A Prisma client that also releases its driver (PGlite instance or pg pool) on `$disconnect`. */
export type Database = PrismaClient;

/** Builds a Prisma client for a database configuration; callers own it and `$disconnect()` it. */
export function createPrismaClient(db: Config["db"]): Database {
  const adapter = createDatabaseAdapter(db);
  const prisma = new PrismaClient({ adapter: adapter.factory });
  const disconnect = prisma.$disconnect.bind(prisma);
  return Object.assign(prisma, {
    $disconnect: async () => {
      await disconnect();
      await adapter.close();
    },
  });
}
