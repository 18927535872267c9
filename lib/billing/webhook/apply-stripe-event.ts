import "server-only";
import type Stripe from "stripe";
import type { Database } from "@/lib/db";
import { forgetCustomerAccess } from "@/lib/billing/access-cache";
// The module, not lib/email's index: that pulls in the email jobs, which read billing.
import { sendRecordedEmailsAfterResponse } from "@/lib/email/send-email-once";
import { activeEntitlementSummaryUpdated } from "./active-entitlement-summary-updated";
import { checkoutSessionCompleted } from "./checkout-session-completed";
import { idOf, type EventContext, type EventHandler } from "./context";
import { customerDeleted } from "./customer-deleted";
import { customerSubscriptionChanged } from "./customer-subscription-changed";
import { isHandledEvent, type HandledEvent, type HandledEventType } from "./event-types";
import { invoiceChanged } from "./invoice-changed";
import { recordEventEmails } from "./send-event-emails";

/** What the webhook did with an event; sent back to Stripe as the response body. */
export interface Receipt {
  received: true;
  id: string;
  type: string;
  outcome: "applied" | "duplicate" | "ignored" | "unknown_customer";
  actions: string[];
}

type HandlerFor<T extends HandledEventType> = EventHandler<Extract<HandledEvent, { type: T }>>;

const HANDLERS: { [T in HandledEventType]: HandlerFor<T> } = {
  "checkout.session.completed": checkoutSessionCompleted,
  "customer.subscription.created": customerSubscriptionChanged,
  "customer.subscription.updated": customerSubscriptionChanged,
  "customer.subscription.deleted": customerSubscriptionChanged,
  "customer.subscription.paused": customerSubscriptionChanged,
  "customer.subscription.resumed": customerSubscriptionChanged,
  "invoice.paid": invoiceChanged,
  "invoice.payment_failed": invoiceChanged,
  "entitlements.active_entitlement_summary.updated": activeEntitlementSummaryUpdated,
  "customer.deleted": customerDeleted,
};

/** The Stripe customer an event concerns. */
function stripeCustomerOf(event: HandledEvent): string | null {
  switch (event.type) {
    case "customer.deleted":
      return event.data.object.id;
    case "entitlements.active_entitlement_summary.updated":
      return event.data.object.customer;
    default:
      return idOf(event.data.object.customer);
  }
}

// Handlers read Stripe inside the transaction (see sync-subscription.ts); allow for a slow API.
const TRANSACTION = { maxWait: 15_000, timeout: 30_000 } as const;

/**
 * Applies a verified event exactly once: its id is inserted in the same transaction as its effects
 * (a duplicate delivery finds it and does nothing; a concurrent one waits on the id's unique index),
 * and the customer's row is locked so one customer's events apply one at a time. Other event types
 * are acknowledged and ignored. Throws when the database or Stripe fails, so the caller answers 5xx
 * and Stripe retries.
 */
export async function applyStripeEvent(db: Database, stripe: Stripe, event: Stripe.Event): Promise<Receipt> {
  const receipt = (outcome: Receipt["outcome"], actions: string[] = []): Receipt => ({
    received: true,
    id: event.id,
    type: event.type,
    outcome,
    actions,
  });
  if (!isHandledEvent(event)) return receipt("ignored");
  const stripeCustomerId = stripeCustomerOf(event);

  const result = await db.$transaction(async (tx) => {
    const inserted = await tx.stripeEvent.createMany({
      data: [{ id: event.id, type: event.type }],
      skipDuplicates: true,
    });
    if (inserted.count === 0) return { receipt: receipt("duplicate"), customerId: null, emails: [] };
    const rows = stripeCustomerId
      ? await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM customers WHERE stripe_customer_id = ${stripeCustomerId} FOR UPDATE`
      : [];
    const row = rows[0];
    if (!row || !stripeCustomerId)
      return { receipt: receipt("unknown_customer"), customerId: null, emails: [] };
    const context: EventContext = { tx, stripe, event, customer: { id: row.id, stripeCustomerId } };
    const handler = HANDLERS[event.type] as EventHandler;
    const actions = await handler(context);
    const emails = await recordEventEmails(tx, event, row.id);
    return { receipt: receipt("applied", actions), customerId: row.id, emails };
  }, TRANSACTION);

  if (result.customerId) await forgetCustomerAccess(result.customerId);
  sendRecordedEmailsAfterResponse(db, result.emails);
  return result.receipt;
}
