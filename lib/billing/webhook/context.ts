import type Stripe from "stripe";
import type { Prisma } from "@/lib/generated/prisma/client";

/** The database inside the event's transaction. */
export type Tx = Prisma.TransactionClient;

/** What an event handler gets: the open transaction (the customer row is locked), Stripe, the event. */
export interface EventContext<E extends Stripe.Event = Stripe.Event> {
  tx: Tx;
  stripe: Stripe;
  event: E;
  /** Our customer row of the event's Stripe customer. */
  customer: { id: string; stripeCustomerId: string };
}

/** A handler returns what it did, one short line per effect, for the receipt. */
export type EventHandler<E extends Stripe.Event = Stripe.Event> = (
  context: EventContext<E>,
) => Promise<string[]>;

/** The id of an expandable Stripe reference. */
export function idOf(reference: string | { id: string } | null | undefined): string | null {
  if (reference === null || reference === undefined) return null;
  return typeof reference === "string" ? reference : reference.id;
}
