/**
 * The core the sandbox's behaviour shares: its state, the clock, events, meter event identifiers and
 * drops, looking records up and rendering them as Stripe objects. What each resource does with them
 * is in the modules beside this one (subscriptions, invoices, entitlements, meter events and usage).
 */
import Stripe from "stripe";
import type { SubscriptionItemObject, SubscriptionObject } from "../billing-objects";
import { noSuch } from "../errors";
import { newId } from "../ids";
import { meterErrorReportEvents } from "../meter-error-reports";
import type {
  CustomerObject,
  EventObject,
  MeterObject,
  PlanObject,
  PriceObject,
  PriceTierObject,
  V2EventObject,
} from "../objects";
import type {
  MeterEventErrorRecord,
  SandboxState,
  SubscriptionItemRecord,
  SubscriptionRecord,
} from "../sandbox-state";

/** The API version the sandbox's objects follow: the one the installed SDK pins. */
export const SANDBOX_API_VERSION: string = Stripe.API_VERSION;

export interface EngineOptions {
  /** Current Unix time in seconds before the sandbox clock offset; default the wall clock. */
  now?: () => number;
  /** Called for every event created (the webhook dispatcher queues it). */
  onEvent?: (event: EventObject) => void;
  /** Called for every v2 event created (the event destination's dispatcher queues it). */
  onV2Event?: (event: V2EventObject) => void;
  /** How long a meter event identifier stays taken, in sandbox seconds; Stripe: at least 24 hours. */
  meterEventIdentifierTtl?: number;
  /** Sample errors per error code in a meter error report (Stripe sends a few, not all). */
  meterErrorSamples?: number;
}

/** Stripe enforces meter event identifiers for at least 24 hours; the sandbox forgets them then. */
export const DEFAULT_IDENTIFIER_TTL = 86_400;
/** Sample errors per code in a meter error report; Stripe does not document its number. */
export const DEFAULT_METER_ERROR_SAMPLES = 5;

/** The request an event came from (`event.request`), set by the HTTP layer while it handles one. */
export interface RequestInfo {
  id: string | null;
  idempotencyKey: string | null;
}

/** The top-level fields of `before` that differ in `after`: an event's `previous_attributes`. */
export function changedFields<T extends object>(before: T, after: T): Record<string, unknown> {
  const previous: Record<string, unknown> = {};
  for (const key of Object.keys(after) as Array<keyof T>) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) previous[key as string] = before[key];
  }
  return previous;
}

export class SandboxEngine {
  request: RequestInfo = { id: null, idempotencyKey: null };
  /** Meter events dropped since the last meter error report. */
  private unreportedDrops: MeterEventErrorRecord[] = [];

  constructor(
    readonly state: SandboxState,
    private readonly options: EngineOptions = {},
  ) {}

  // ---- clock and events ----

  /** The sandbox clock: wall clock (or the injected one) plus every `advanceClock`. */
  now(): number {
    const base = this.options.now ? this.options.now() : Math.floor(Date.now() / 1000);
    return base + this.state.clockOffset;
  }

  /** Records an event with a snapshot of the object as it is now, and hands it to the dispatcher. */
  emit(
    type: string,
    object: object,
    previousAttributes?: Record<string, unknown>,
    created = this.now(),
  ): EventObject {
    const event: EventObject = {
      id: newId("evt", 24),
      object: "event",
      api_version: SANDBOX_API_VERSION,
      created,
      data: {
        object: structuredClone(object),
        ...(previousAttributes ? { previous_attributes: structuredClone(previousAttributes) } : {}),
      },
      livemode: false,
      pending_webhooks: 0,
      request: { id: this.request.id, idempotency_key: this.request.idempotencyKey },
      type,
    };
    this.state.events.set(event.id, event);
    this.options.onEvent?.(event);
    return event;
  }

  // ---- meter event identifiers and asynchronous drops ----

  /** Whether a meter event identifier is still taken (used within the enforcement window). */
  meterEventIdentifierInUse(identifier: string): boolean {
    const usedAt = this.state.meterEventIdentifiers.get(identifier);
    const ttl = this.options.meterEventIdentifierTtl ?? DEFAULT_IDENTIFIER_TTL;
    return usedAt !== undefined && this.now() - usedAt < ttl;
  }

  /** Marks an identifier taken from now, by an event that counts. */
  useMeterEventIdentifier(identifier: string): void {
    this.state.meterEventIdentifiers.set(identifier, this.now());
  }

  /**
   * Drops a meter event that was answered 200, as Stripe does when it validates it later; it shows in
   * the next meter error report, except a duplicate, which Stripe drops without one.
   */
  dropMeterEvent(record: MeterEventErrorRecord): void {
    this.state.meterEventErrors.push(record);
    if (record.code !== "duplicate_meter_event") this.unreportedDrops.push(record);
  }

  /** Emits the meter error reports of the drops since the last call (the HTTP layer calls it per request). */
  reportMeterErrors(): void {
    if (this.unreportedDrops.length === 0) return;
    const drops = this.unreportedDrops;
    this.unreportedDrops = [];
    const samples = this.options.meterErrorSamples ?? DEFAULT_METER_ERROR_SAMPLES;
    for (const event of meterErrorReportEvents(drops, this.now(), samples)) {
      this.state.v2Events.set(event.id, event);
      this.options.onV2Event?.(event);
    }
  }

  // ---- lookups ----

  customer(id: string, param = "customer"): CustomerObject {
    const customer = this.state.customers.get(id);
    if (!customer || this.state.deletedCustomers.has(id)) throw noSuch("customer", id, param);
    return customer;
  }

  price(id: string, param = "price"): PriceObject {
    const price = this.state.prices.get(id);
    if (!price) throw noSuch("price", id, param);
    return price;
  }

  subscriptionRecord(id: string, param = "id"): SubscriptionRecord {
    const subscription = this.state.subscriptions.get(id);
    if (!subscription) throw noSuch("subscription", id, param);
    return subscription;
  }

  /** The tiers of a tiered price (empty for a per-unit price). */
  tiersOf(price: PriceObject): PriceTierObject[] {
    return this.state.priceTiers.get(price.id) ?? [];
  }

  /** The meter a metered price bills, if any. */
  meterOf(price: PriceObject): MeterObject | undefined {
    const id = price.recurring?.meter;
    return id ? this.state.meters.get(id) : undefined;
  }

  // ---- rendering stored records as Stripe objects ----

  plan(price: PriceObject): PlanObject {
    const recurring = price.recurring;
    return {
      id: price.id,
      object: "plan",
      active: price.active,
      amount: price.unit_amount,
      amount_decimal: price.unit_amount_decimal,
      billing_scheme: price.billing_scheme,
      created: price.created,
      currency: price.currency,
      interval: recurring?.interval ?? "month",
      interval_count: recurring?.interval_count ?? 1,
      livemode: false,
      metadata: price.metadata,
      meter: recurring?.meter ?? null,
      nickname: price.nickname,
      product: price.product,
      tiers_mode: price.tiers_mode,
      transform_usage: null,
      trial_period_days: recurring?.trial_period_days ?? null,
      usage_type: recurring?.usage_type ?? "licensed",
    };
  }

  subscriptionItem(subscription: string, item: SubscriptionItemRecord): SubscriptionItemObject {
    const price = this.price(item.price);
    return {
      id: item.id,
      object: "subscription_item",
      billing_thresholds: null,
      created: item.created,
      current_period_end: item.current_period_end,
      current_period_start: item.current_period_start,
      discounts: [],
      metadata: item.metadata,
      plan: this.plan(price),
      price,
      ...(item.quantity === undefined ? {} : { quantity: item.quantity }),
      subscription,
      tax_rates: [],
    };
  }

  subscription(record: SubscriptionRecord): SubscriptionObject {
    return {
      ...record,
      items: {
        object: "list",
        data: record.items.map((item) => this.subscriptionItem(record.id, item)),
        has_more: false,
        url: `/v1/subscription_items?subscription=${record.id}`,
      },
    };
  }
}
