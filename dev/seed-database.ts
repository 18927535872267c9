import type { Database } from "../lib/db/client";
import { DEMO_MACHINE_CLIENTS, DEMO_PEOPLE } from "./demo-data";

/**
 * Makes sure the demo people have a customer and a user row, and the demo machine clients are
 * registered to their owner's customer. Idempotent: run on every `npm run dev` and before e2e tests.
 */
export async function seedDemoData(db: Database): Promise<void> {
  for (const person of DEMO_PEOPLE) {
    const customer = await db.customer.upsert({
      where: { email: person.email },
      create: { email: person.email },
      update: {},
    });
    await db.user.upsert({
      where: { auth0UserId: person.auth0UserId },
      create: {
        auth0UserId: person.auth0UserId,
        email: person.email,
        name: person.name,
        customerId: customer.id,
      },
      update: {},
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
