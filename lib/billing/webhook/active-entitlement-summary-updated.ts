import "server-only";
import type Stripe from "stripe";
import type { EventHandler } from "./context";
import { syncEntitlements } from "./sync-entitlements";

/**
 * entitlements.active_entitlement_summary.updated – the customer's features changed. The body lists
 * at most 10 entitlements and may be older than another event already applied, so the whole list is
 * read from Stripe (paged) instead.
 */
export const activeEntitlementSummaryUpdated: EventHandler<
  Stripe.EntitlementsActiveEntitlementSummaryUpdatedEvent
> = async (context) => [await syncEntitlements(context)];
