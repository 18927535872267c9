import { issueMachineClient } from "@/lib/auth/machine-clients";
import { ensureStripeCustomer } from "@/lib/billing/ensure-stripe-customer";
import { createStripeClient } from "@/lib/billing/stripe";
import { loadConfig } from "@/lib/config/schema";
import { createPrismaClient } from "@/lib/db/client";

/** A customer with a Stripe customer and a machine client, as the dashboard makes them. */
export interface MachineCustomer {
  id: string;
  stripeCustomerId: string;
  clientId: string;
  clientSecret: string;
}

/**
 * Creates customers with a Stripe customer and a machine client each (through the issuer's Management
 * API, as the dashboard does) on the database and services an environment configures.
 */
export async function createMachineCustomers(
  env: NodeJS.ProcessEnv,
  {
    count,
    prefix,
    scopes = ["get:widgets", "create:widgets"],
  }: { count: number; prefix: string; scopes?: string[] },
): Promise<MachineCustomer[]> {
  const config = loadConfig(env);
  const db = createPrismaClient(config.db);
  const stripe = createStripeClient(config.stripe);
  try {
    return await Promise.all(
      Array.from({ length: count }, async (_, index) => {
        const customer = await ensureStripeCustomer(db, stripe, {
          auth0UserId: `auth0|${prefix}-${index}`,
          email: `${prefix}-${index}@example.com`,
        });
        const { client, clientSecret } = await issueMachineClient(db, customer.id, {
          name: `${prefix} ${index}`,
          scopes,
        });
        return {
          id: customer.id,
          stripeCustomerId: customer.stripeCustomerId ?? "",
          clientId: client.clientId,
          clientSecret,
        };
      }),
    );
  } finally {
    await db.$disconnect();
  }
}

/** An access token for a customer's machine client, from the issuer's token endpoint. */
export async function machineToken(env: NodeJS.ProcessEnv, customer: MachineCustomer): Promise<string> {
  const config = loadConfig(env);
  const response = await fetch(`${config.gate.issuer}oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: customer.clientId,
      client_secret: customer.clientSecret,
      audience: config.gate.audience,
    }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!response.ok || !body.access_token) throw new Error(`no token for ${customer.clientId}`);
  return body.access_token;
}
