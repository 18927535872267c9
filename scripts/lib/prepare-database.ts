import { seedDemoData } from "@/dev/seed-database";
import { loadConfig } from "@/lib/config/schema";
import { createPrismaClient } from "@/lib/db/client";
import { migrateDatabase } from "./migrate-database";

/**
 * Migrates the database an environment configures and seeds the demo data, then releases it
 * (embedded PGlite can be open in one process at a time). Import it after `prisma generate`.
 */
export async function prepareDatabase(env: NodeJS.ProcessEnv): Promise<void> {
  await migrateDatabase(env);
  const db = createPrismaClient(loadConfig(env).db);
  try {
    await seedDemoData(db);
  } finally {
    await db.$disconnect();
  }
}
