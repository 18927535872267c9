import type { Database } from "../lib/db/client";
import { describeApiKey } from "../lib/gate/api-keys";
import { DEMO_API_KEY, DEMO_MACHINE_CLIENTS, DEMO_PEOPLE } from "./demo-data";

/**
 * Makes sure the demo people have a customer (a team they own) and a user row, and the demo machine clients are
 * registered to their owner's customer. Idempotent: run on every `npm run dev` and before e2e tests.
 */
export async function seedDemoData(db: Database): Promise<void> {
  for (const person of DEMO_PEOPLE) {
    const customer = await db.customer.upsert({
      where: { email: person.email },
      create: { email: person.email },
      update: {},
    });
    const user = await db.user.upsert({
      where: { auth0UserId: person.auth0UserId },
      create: {
        auth0UserId: person.auth0UserId,
        email: person.email,
        name: person.name,
        customerId: customer.id,
      },
      update: {},
    });
    // Each demo person owns a team of one, their own customer; invitations add them to others'.
    await db.membership.createMany({
      data: [{ userId: user.id, customerId: customer.id, role: "owner" }],
      skipDuplicates: true,
    });
  }
  for (const client of DEMO_MACHINE_CLIENTS) {
    const owner = await db.customer.findUniqueOrThrow({ where: { email: client.ownerEmail } });
    await db.apiClient.upsert({
      where: { clientId: client.clientId },
      create: {
        clientId: client.clientId,
        customerId: owner.id,
        name: client.name,
        scopes: [...client.scopes],
      },
      update: { revokedAt: null },
    });
  }
}

/**
 * Stores the demo API key for its owner's customer (after {@link seedDemoData}), as the dashboard stores
 * a key: its visible start and SHA-256 only. Idempotent, and gives the key back if it was revoked. The
 * key is public: seed it only where the local issuer is the issuer, never into a shared database.
 */
export async function seedDemoApiKey(db: Database): Promise<void> {
  const { prefix, hash } = describeApiKey(DEMO_API_KEY.key);
  const owner = await db.customer.findUniqueOrThrow({ where: { email: DEMO_API_KEY.ownerEmail } });
  await db.apiKey.upsert({
    where: { hash },
    create: {
      customerId: owner.id,
      name: DEMO_API_KEY.name,
      prefix,
      hash,
      scopes: [...DEMO_API_KEY.scopes],
    },
    update: { revokedAt: null, expiresAt: null },
  });
}
