/**
 * Billing's cost, in one process on a real database and the Stripe sandbox: webhook
 * events applied per second end to end (signature, dedup, Stripe re-fetch, transaction), and the
 * entitlement check per call, cached and uncached, next to asking Stripe on every request as the
 * seed plugin did (a sandbox round trip: a floor for real Stripe, which is farther away).
 */
import { LOCAL } from "@/lib/config/local-defaults";
import { signedDelivery, takeNewEvents } from "@/test/fixtures";
import { subscribeThroughCheckout } from "@/test/stripe-checkout";
import { compareOps } from "./lib/measure";
import { inProcessApp } from "./lib/in-process";
import type { AreaResult } from "./lib/report";

const CUSTOMERS = 20;

export async function benchBilling(): Promise<AreaResult> {
  const app = await inProcessApp();
  const { ensureStripeCustomer } = await import("@/lib/billing/ensure-stripe-customer");
  const { getCustomerAccess, forgetCustomerAccess, mayUse } = await import("@/lib/billing/access-cache");
  const { POST } = await import("@/app/api/stripe/webhook/route");

  const seen = new Set<string>();
  await takeNewEvents(app.stripe, seen);

  const customers: { id: string; stripeId: string }[] = [];
  for (let index = 0; index < CUSTOMERS; index++) {
    const customer = await ensureStripeCustomer(app.db, app.stripe, {
      auth0UserId: `auth0|billing-bench-${index}`,
      email: `billing-bench-${index}@example.com`,
    });
    const stripeId = customer.stripeCustomerId ?? "";
    customers.push({ id: customer.id, stripeId });
    await subscribeThroughCheckout(app.stripe, stripeId, "pro");
  }
  const events = await takeNewEvents(app.stripe, seen);

  const started = process.hrtime.bigint();
  for (const event of events) {
    const response = await POST(
      signedDelivery(
        app.stripe,
        "http://localhost:3000/api/stripe/webhook",
        JSON.stringify(event),
        LOCAL.stripeWebhookSecret,
      ),
    );
    if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
  }
  const webhookSeconds = Number(process.hrtime.bigint() - started) / 1e9;

  let next = 0;
  const customer = () => customers[next++ % customers.length] as { id: string; stripeId: string };
  const perCall = await compareOps(
    [
      {
        name: "entitlement_cached",
        op: async () => mayUse(await getCustomerAccess(app.db, customer().id), "create:widgets"),
        batch: 20_000,
      },
      {
        name: "entitlement_uncached",
        op: async () => {
          const { id } = customer();
          await forgetCustomerAccess(id);
          return mayUse(await getCustomerAccess(app.db, id), "create:widgets");
        },
        batch: 100,
      },
      {
        name: "stripe_per_request",
        op: async () => {
          const list = await app.stripe.entitlements.activeEntitlements.list({
            customer: customer().stripeId,
          });
          return list.data.some((entitlement) => entitlement.lookup_key === "create:widgets");
        },
        batch: 50,
      },
    ],
    15,
  );
  const cached = perCall.entitlement_cached as number;
  const ratios = {
    webhook_events_per_s: events.length / webhookSeconds,
    entitlement_cached_us: cached,
    entitlement_vs_stripe_per_request: (perCall.stripe_per_request as number) / cached,
    stripe_per_request_vs_uncached:
      (perCall.stripe_per_request as number) / (perCall.entitlement_uncached as number),
  };
  return {
    area: "billing",
    results: { events: events.length, webhook_seconds: webhookSeconds, us_per_call: perCall },
    ratios,
    table: [
      ["webhook events applied (checkout of 20 customers)", events.length, "events"],
      ["entitlement check, cached", cached, "µs/call"],
      ["entitlement check, uncached (Postgres)", perCall.entitlement_uncached as number, "µs/call"],
      ["asking Stripe per request (sandbox round trip)", perCall.stripe_per_request as number, "µs/call"],
    ],
    targets: [
      { name: "cached entitlement check under 50 µs", ok: cached < 50, detail: `${cached.toFixed(2)} µs` },
    ],
  };
}
