/**
 * The subscription lifecycle: starting one from Checkout, renewing it each period (invoice paid, or
 * past_due when the charge fails), scheduling and ending cancellations, and switching plans.
 */
import { addInterval, nextPeriodEnd } from "../billing-math";
import type { SubscriptionObject, SubscriptionStatus } from "../billing-objects";
import { invalidParam } from "../errors";
import { newId } from "../ids";
import type { Metadata, PriceObject, PromotionCodeObject } from "../objects";
import type { SubscriptionRecord } from "../sandbox-state";
import { applyPromotionCode } from "./discounts";
import { syncEntitlements } from "./entitlements";
import { chargeInvoice } from "./invoices";
import { changedFields, type SandboxEngine } from "./sandbox-engine";

/** Statuses that still bill and renew. */
const LIVE_STATUSES: ReadonlySet<SubscriptionStatus> = new Set(["active", "trialing", "past_due"]);

/** The interval every item of a subscription shares (Stripe requires one). */
export function intervalOf(
  engine: SandboxEngine,
  subscription: SubscriptionRecord,
): {
  interval: "day" | "week" | "month" | "year";
  count: number;
} {
  const first = subscription.items[0];
  const recurring = first ? engine.state.prices.get(first.price)?.recurring : null;
  return { interval: recurring?.interval ?? "month", count: recurring?.interval_count ?? 1 };
}

/** The current period of a subscription (its items share it). */
export function periodOf(subscription: SubscriptionRecord): { start: number; end: number } {
  const first = subscription.items[0];
  return {
    start: first?.current_period_start ?? subscription.start_date,
    end: first?.current_period_end ?? subscription.start_date,
  };
}

/** Checks that the prices can share a subscription and returns its currency. */
export function validateItems(prices: Array<{ price: PriceObject; param: string }>): string {
  const [first] = prices;
  if (!first) throw invalidParam("items", "A subscription needs at least one item.", "parameter_missing");
  for (const { price, param } of prices) {
    if (!price.active)
      throw invalidParam(param, `The price specified is inactive. This field only accepts active prices.`);
    if (!price.recurring) {
      throw invalidParam(
        param,
        `The price specified is set to \`type=one_time\` but this field only accepts prices with \`type=recurring\`.`,
      );
    }
    if (
      price.currency !== first.price.currency ||
      price.recurring.interval !== first.price.recurring?.interval ||
      price.recurring.interval_count !== first.price.recurring.interval_count
    ) {
      throw invalidParam(
        param,
        "Currency and interval fields must match across all plans on this subscription.",
      );
    }
  }
  return first.price.currency;
}

/**
 * Starts a subscription now, as a completed Checkout does: first period, first invoice (charged when
 * a card is on file), events `customer.subscription.created` and the invoice's, then the entitlement
 * summary.
 */
export function createSubscription(
  engine: SandboxEngine,
  input: {
    customer: string;
    items: Array<{ price: string; quantity?: number }>;
    metadata: Metadata;
    description: string | null;
    trialPeriodDays: number | null;
    automaticTax?: boolean;
    /** A code entered at Checkout: its coupon discounts the subscription's invoices. */
    promotionCode?: PromotionCodeObject;
    checkoutSession?: string;
  },
): SubscriptionRecord {
  const now = engine.now();
  const prices = input.items.map((item, index) => ({
    price: engine.price(item.price, `items[${index}][price]`),
    param: `items[${index}][price]`,
  }));
  const currency = validateItems(prices);
  const first = prices[0]?.price.recurring;
  const trialEnd = input.trialPeriodDays ? now + input.trialPeriodDays * 86_400 : null;
  const periodEnd = trialEnd ?? addInterval(now, first?.interval ?? "month", first?.interval_count ?? 1);
  const id = newId("sub");
  const subscription: SubscriptionRecord = {
    id,
    object: "subscription",
    application: null,
    application_fee_percent: null,
    automatic_tax: input.automaticTax
      ? { disabled_reason: null, enabled: true, liability: { type: "self" } }
      : { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: trialEnd ?? now,
    billing_mode: { flexible: null, type: "classic" },
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null },
    collection_method: "charge_automatically",
    created: now,
    currency,
    customer: input.customer,
    days_until_due: null,
    default_payment_method: null,
    default_source: null,
    description: input.description,
    discounts: [],
    ended_at: null,
    invoice_settings: { account_tax_ids: null, issuer: { type: "self" } },
    items: input.items.map((item) => ({
      id: newId("si"),
      created: now,
      price: item.price,
      ...(engine.price(item.price).recurring?.usage_type === "metered"
        ? {}
        : { quantity: item.quantity ?? 1 }),
      metadata: {},
      current_period_start: now,
      current_period_end: periodEnd,
    })),
    latest_invoice: null,
    livemode: false,
    metadata: input.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: null,
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: now,
    status: trialEnd ? "trialing" : "active",
    test_clock: null,
    transfer_data: null,
    trial_end: trialEnd,
    trial_settings: null,
    trial_start: trialEnd ? now : null,
  };
  engine.state.subscriptions.set(id, subscription);
  if (input.promotionCode)
    applyPromotionCode(engine, subscription, input.promotionCode, input.checkoutSession ?? null);
  const invoice = chargeInvoice(
    engine,
    subscription,
    "subscription_create",
    { licensed: { start: now, end: periodEnd }, usage: { start: now, end: now }, trial: trialEnd !== null },
    now,
    { cardPresent: engine.state.cardOnFile.has(input.customer) },
  );
  if (invoice.status !== "paid") subscription.status = "incomplete";
  engine.emit("customer.subscription.created", engine.subscription(subscription), undefined, now);
  syncEntitlements(engine, [input.customer], now);
  return subscription;
}

/** Emits `customer.subscription.updated` with the top-level fields that changed. */
export function emitSubscriptionUpdated(
  engine: SandboxEngine,
  before: SubscriptionObject,
  record: SubscriptionRecord,
  created = engine.now(),
): void {
  const after = engine.subscription(record);
  const previous = changedFields(before, after);
  if (Object.keys(previous).length > 0)
    engine.emit("customer.subscription.updated", after, previous, created);
}

/** Ends a subscription (now, or at its period end) and emits `customer.subscription.deleted`. */
export function endSubscription(
  engine: SandboxEngine,
  record: SubscriptionRecord,
  at: number,
  options: { finalUsageInvoice: boolean; reason?: SubscriptionObject["cancellation_details"]["reason"] },
): void {
  if (options.finalUsageInvoice) {
    const period = periodOf(record);
    const hasMetered = record.items.some(
      (item) => engine.state.prices.get(item.price)?.recurring?.usage_type === "metered",
    );
    if (hasMetered) {
      chargeInvoice(
        engine,
        record,
        "subscription_cycle",
        { usage: { start: period.start, end: Math.min(at, period.end) } },
        at,
        { cardPresent: engine.state.cardOnFile.has(record.customer) },
      );
    }
  }
  record.status = "canceled";
  record.ended_at = at;
  record.canceled_at ??= at;
  record.cancellation_details = {
    ...record.cancellation_details,
    reason: record.cancellation_details.reason ?? options.reason ?? "cancellation_requested",
  };
  engine.emit("customer.subscription.deleted", engine.subscription(record), undefined, at);
  syncEntitlements(engine, [record.customer], at);
}

/** Starts the next billing period at `at` and charges its invoice. */
function renew(engine: SandboxEngine, record: SubscriptionRecord, at: number): void {
  const before = engine.subscription(record);
  const previous = periodOf(record);
  const { interval, count } = intervalOf(engine, record);
  let end: number;
  if (record.status === "trialing") {
    record.billing_cycle_anchor = at;
    end = addInterval(at, interval, count);
  } else {
    end = nextPeriodEnd(record.billing_cycle_anchor, interval, count, at);
  }
  for (const item of record.items) {
    item.current_period_start = at;
    item.current_period_end = end;
  }
  const invoice = chargeInvoice(
    engine,
    record,
    "subscription_cycle",
    { licensed: { start: at, end }, usage: { start: previous.start, end: previous.end } },
    at,
    { cardPresent: engine.state.cardOnFile.has(record.customer) },
  );
  record.status = invoice.status === "paid" ? "active" : "past_due";
  emitSubscriptionUpdated(engine, before, record, at);
  syncEntitlements(engine, [record.customer], at);
}

/**
 * Moves every live subscription to the sandbox's present: renews each period that ended (one
 * invoice per period) and ends those set to cancel. Events carry the time they happened.
 */
export function advanceSubscriptions(engine: SandboxEngine): void {
  const now = engine.now();
  for (const record of engine.state.subscriptions.values()) {
    for (let guard = 0; guard < 1000 && LIVE_STATUSES.has(record.status); guard++) {
      const { end } = periodOf(record);
      const cancelAt = record.cancel_at ?? (record.cancel_at_period_end ? end : null);
      if (cancelAt !== null && cancelAt <= now && cancelAt <= end) {
        endSubscription(engine, record, cancelAt, { finalUsageInvoice: true });
        break;
      }
      if (end > now) break;
      renew(engine, record, end);
    }
  }
}

/**
 * Schedules the end of a subscription at `cancelAt` (`null` unschedules it). `cancel_at` is the one
 * schedule: `cancel_at_period_end=true` sets it to the period's end (as the pinned API version
 * returns), and advanceSubscriptions ends the subscription when the clock passes it.
 */
export function setCancelAt(
  engine: SandboxEngine,
  record: SubscriptionRecord,
  cancelAt: number | null,
): void {
  record.cancel_at = cancelAt;
  record.cancel_at_period_end = cancelAt !== null && cancelAt === periodOf(record).end;
  record.canceled_at = cancelAt === null ? null : engine.now();
  record.cancellation_details = {
    ...record.cancellation_details,
    reason: cancelAt === null ? null : "cancellation_requested",
  };
}

/**
 * Moves a subscription to another plan the way a portal "switch" does: each item whose usage type
 * the target product also prices is moved to that price; items of the old product it does not price
 * are removed. No proration (the sandbox bills the new price from the next period).
 */
export function switchPlan(engine: SandboxEngine, record: SubscriptionRecord, priceId: string): void {
  const target = engine.price(priceId);
  const siblings = [...engine.state.prices.values()].filter(
    (price) =>
      price.active &&
      price.product === target.product &&
      price.recurring?.interval === target.recurring?.interval &&
      price.currency === target.currency,
  );
  const oldProducts = new Set(record.items.map((item) => engine.price(item.price).product));
  const items = record.items.flatMap((item) => {
    const current = engine.price(item.price);
    const usage = current.recurring?.usage_type;
    const replacement =
      usage === target.recurring?.usage_type
        ? target
        : siblings.find((price) => price.recurring?.usage_type === usage);
    if (replacement) return [{ ...item, price: replacement.id }];
    return oldProducts.has(current.product) &&
      current.product !== target.product &&
      engine.state.prices.get(item.price)?.recurring?.usage_type === "licensed"
      ? []
      : [item];
  });
  if (!items.some((item) => item.price === target.id)) {
    const first = record.items[0];
    items.push({
      id: newId("si"),
      created: engine.now(),
      price: target.id,
      ...(target.recurring?.usage_type === "metered" ? {} : { quantity: 1 }),
      metadata: {},
      current_period_start: first?.current_period_start ?? engine.now(),
      current_period_end: first?.current_period_end ?? engine.now(),
    });
  }
  validateItems(
    items.map((item, index) => ({ price: engine.price(item.price), param: `items[${index}][price]` })),
  );
  record.items = items;
}
