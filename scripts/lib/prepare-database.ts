import { DEMO_API_KEY, DEMO_MACHINE_CLIENTS, DEMO_PEOPLE } from "@/dev/demo-data";
import { seedDemoApiKey, seedDemoData } from "@/dev/seed-database";
import { ensureStripeCustomer } from "@/lib/billing/ensure-stripe-customer";
import { setupStripeProducts } from "@/lib/billing/setup-stripe-products";
import { createStripeClient } from "@/lib/billing/stripe";
import { loadConfig } from "@/lib/config/schema";
import { createPrismaClient } from "@/lib/db/client";
import { migrateDatabase } from "./migrate-database";

/**
 * Migrates the database an environment configures and seeds the demo data (the demo API key only with
 * the local issuer), then releases it (embedded PGlite can be open in one process at a time). With the
 * local issuer and Stripe sandbox running, it also creates the plans in the sandbox (as `npm run
 * setup:stripe` would) and the Stripe customers of the demo machine clients' and key's owners. Import
 * it after `prisma generate`.
 */
export async function prepareDatabase(env: NodeJS.ProcessEnv): Promise<void> {
  await migrateDatabase(env);
  const config = loadConfig(env);
  const db = createPrismaClient(config.db);
  try {
    await seedDemoData(db);
    // The demo key is public: it opens Alice's account only where Alice herself is local.
    if (config.auth.mode === "local") await seedDemoApiKey(db);
    if (config.auth.mode === "local" && config.stripe.mode === "local") {
      const stripe = createStripeClient(config.stripe);
      await setupStripeProducts(stripe, { demoPromotionCode: true });
      // The owners of the demo machine clients and key get their Stripe customer now, so usage from
      // them can be reported at once; everyone else gets theirs at first sign-in, as in production.
      const owners = new Set([
        ...DEMO_MACHINE_CLIENTS.map((client) => client.ownerEmail),
        DEMO_API_KEY.ownerEmail,
      ]);
      for (const person of DEMO_PEOPLE.filter((candidate) => owners.has(candidate.email))) {
        await ensureStripeCustomer(db, stripe, person);
      }
    }
  } finally {
    await db.$disconnect();
  }
}
