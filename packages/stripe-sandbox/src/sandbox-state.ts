import { readStateFile, writeStateFile } from "@tollgate/local-http";
import { z } from "zod";
import type {
  CouponObject,
  CustomerObject,
  DiscountObject,
  EventObject,
  FeatureObject,
  Metadata,
  MeterEventObject,
  MeterObject,
  PriceObject,
  PriceTierObject,
  ProductObject,
  PromotionCodeObject,
  V2EventObject,
} from "./objects";
import type {
  CheckoutSessionObject,
  InvoiceObject,
  PortalSessionObject,
  SubscriptionObject,
} from "./billing-objects";

/** A subscription item as stored: the price by id, rendered into the full object on read. */
export interface SubscriptionItemRecord {
  id: string;
  created: number;
  price: string;
  quantity?: number;
  metadata: Metadata;
  current_period_start: number;
  current_period_end: number;
}

export type SubscriptionRecord = Omit<SubscriptionObject, "items"> & { items: SubscriptionItemRecord[] };

/** A Checkout Session with what Stripe keeps beside it until completion. */
export interface CheckoutSessionRecord {
  session: CheckoutSessionObject;
  lineItems: Array<{ id: string; price: string; quantity: number | null }>;
  subscriptionData: { metadata: Metadata; trialPeriodDays: number | null; description: string | null };
  /** `customer_update[address|name]=auto`: what the page's entries may overwrite on the customer. */
  customerUpdate?: { address: boolean; name: boolean };
}

/** An attached product feature (`/v1/products/{id}/features`). */
export interface ProductFeatureRecord {
  id: string;
  product: string;
  feature: string;
}

/** A stored idempotent result (https://docs.stripe.com/api/idempotent_requests). */
export interface IdempotencyRecord {
  fingerprint: string;
  status: number;
  body: unknown;
  /** Wall-clock milliseconds; Stripe prunes keys after 24 hours. */
  storedAt: number;
}

/** A meter event session as stored: its token authenticates the v2 meter event stream until `expires_at`. */
export interface MeterEventSessionRecord {
  id: string;
  authentication_token: string;
  /** Sandbox time, Unix seconds (the wire object has RFC 3339 strings). */
  created: number;
  expires_at: number;
}

/**
 * Why a stream event was dropped: the codes of Stripe's meter error reports
 * (`v1.billing.meter.error_report_triggered`), plus `duplicate_meter_event`, the sandbox's own name for
 * an identifier it has already recorded (Stripe drops those without a report).
 */
export type MeterEventErrorCode =
  | "archived_meter"
  | "duplicate_meter_event"
  | "meter_event_customer_not_found"
  | "meter_event_invalid_value"
  | "meter_event_no_customer_defined"
  | "no_meter"
  | "timestamp_in_future"
  | "timestamp_too_far_in_past";

/** A meter event stream event that Stripe would accept with 200 and then drop while processing it. */
export interface MeterEventErrorRecord {
  identifier: string;
  event_name: string;
  /** The meter it was meant for; null when no meter has its event_name (Stripe's `no_meter`). */
  meter: string | null;
  code: MeterEventErrorCode;
  message: string;
  /** Sandbox time (Unix seconds) it was dropped. */
  at: number;
}

const record = <T>() => z.custom<T>((value) => typeof value === "object" && value !== null);

/** What the optional state file holds (`.data/stripe/state.json`). */
const persistedSchema = z.object({
  version: z.literal(1),
  clockOffset: z.number(),
  invoiceSequence: z.number(),
  failNextPayments: z.number(),
  customers: z.array(record<CustomerObject>()),
  deletedCustomers: z.array(z.string()),
  cardOnFile: z.array(z.string()),
  products: z.array(record<ProductObject>()),
  prices: z.array(record<PriceObject>()),
  /** Optional: state files written before tiered prices have none. */
  priceTiers: z.array(z.tuple([z.string(), z.array(record<PriceTierObject>())])).optional(),
  meters: z.array(record<MeterObject>()),
  meterEvents: z.array(record<MeterEventObject>()),
  /** Optional: state files written before the v2 meter event stream have neither. */
  meterEventErrors: z.array(record<MeterEventErrorRecord>()).optional(),
  meterEventSessions: z.array(record<MeterEventSessionRecord>()).optional(),
  /** Optional: state files written before meter error reports have neither. */
  v2Events: z.array(record<V2EventObject>()).optional(),
  pendingEventNotifications: z.array(z.string()).optional(),
  features: z.array(record<FeatureObject>()),
  productFeatures: z.array(record<ProductFeatureRecord>()),
  subscriptions: z.array(record<SubscriptionRecord>()),
  invoices: z.array(record<InvoiceObject>()),
  checkoutSessions: z.array(record<CheckoutSessionRecord>()),
  portalSessions: z.array(record<PortalSessionObject>()),
  events: z.array(record<EventObject>()),
  pendingWebhooks: z.array(z.string()),
  idempotency: z.array(z.tuple([z.string(), record<IdempotencyRecord>()])),
  entitlements: z.array(z.tuple([z.string(), z.array(z.string())])),
  /** Optional: state files written before promotion codes have none. */
  coupons: z.array(record<CouponObject>()).optional(),
  promotionCodes: z.array(record<PromotionCodeObject>()).optional(),
  discounts: z.array(record<DiscountObject>()).optional(),
  spentDiscounts: z.array(z.string()).optional(),
});

/** Events and meter events beyond these counts are dropped from the state file (Stripe keeps 30 days). */
const MAX_PERSISTED_EVENTS = 5_000;

/**
 * Everything the sandbox knows, in insertion order (lists answer newest first by walking backwards).
 * Plain maps of wire objects, so the state file is a readable JSON dump.
 */
export class SandboxState {
  clockOffset = 0;
  invoiceSequence = 0;
  failNextPayments = 0;
  readonly customers = new Map<string, CustomerObject>();
  readonly deletedCustomers = new Set<string>();
  /** Customers who paid through Checkout: the sandbox's stand-in for a saved card. */
  readonly cardOnFile = new Set<string>();
  readonly products = new Map<string, ProductObject>();
  readonly prices = new Map<string, PriceObject>();
  /** The tiers of tiered prices, by price id: kept apart because Stripe returns them only when expanded. */
  readonly priceTiers = new Map<string, PriceTierObject[]>();
  readonly meters = new Map<string, MeterObject>();
  readonly meterEvents: MeterEventObject[] = [];
  /** When (sandbox time) each identifier was first used: Stripe enforces them for at least 24 hours. */
  readonly meterEventIdentifiers = new Map<string, number>();
  /** Stream events dropped as Stripe drops them asynchronously, oldest first. */
  readonly meterEventErrors: MeterEventErrorRecord[] = [];
  /** Meter event sessions by authentication token. */
  readonly meterEventSessions = new Map<string, MeterEventSessionRecord>();
  readonly features = new Map<string, FeatureObject>();
  readonly productFeatures = new Map<string, ProductFeatureRecord>();
  readonly subscriptions = new Map<string, SubscriptionRecord>();
  readonly invoices = new Map<string, InvoiceObject>();
  readonly checkoutSessions = new Map<string, CheckoutSessionRecord>();
  readonly portalSessions = new Map<string, PortalSessionObject>();
  readonly events = new Map<string, EventObject>();
  /** Ids of events not yet delivered (or given up on) when the state was saved. */
  pendingWebhooks: string[] = [];
  /** v2 events (meter error reports), sent to the event destination as thin events. */
  readonly v2Events = new Map<string, V2EventObject>();
  /** Ids of v2 events not yet delivered to the event destination when the state was saved. */
  pendingEventNotifications: string[] = [];
  readonly idempotency = new Map<string, IdempotencyRecord>();
  /** The feature ids each customer was last told it has, to emit summary events on change. */
  readonly entitlements = new Map<string, string[]>();
  readonly coupons = new Map<string, CouponObject>();
  readonly promotionCodes = new Map<string, PromotionCodeObject>();
  readonly discounts = new Map<string, DiscountObject>();
  /** Discounts of `duration: once` coupons that have taken their one invoice. */
  readonly spentDiscounts = new Set<string>();

  constructor(private readonly stateFile?: string) {}

  /** Loads the state file when there is one; a missing or unreadable file means an empty sandbox. */
  load(): boolean {
    if (!this.stateFile) return false;
    const data = readStateFile(this.stateFile, persistedSchema, "stripe");
    if (!data) return false;
    this.clockOffset = data.clockOffset;
    this.invoiceSequence = data.invoiceSequence;
    this.failNextPayments = data.failNextPayments;
    const fill = <T extends { id: string }>(map: Map<string, T>, items: T[]) => {
      for (const item of items) map.set(item.id, item);
    };
    fill(this.customers, data.customers);
    for (const id of data.deletedCustomers) this.deletedCustomers.add(id);
    for (const id of data.cardOnFile) this.cardOnFile.add(id);
    fill(this.products, data.products);
    fill(this.prices, data.prices);
    for (const [price, tiers] of data.priceTiers ?? []) this.priceTiers.set(price, tiers);
    fill(this.meters, data.meters);
    for (const event of data.meterEvents) {
      this.meterEvents.push(event);
      if (!this.meterEventIdentifiers.has(event.identifier))
        this.meterEventIdentifiers.set(event.identifier, event.created);
    }
    for (const error of data.meterEventErrors ?? []) this.meterEventErrors.push(error);
    for (const session of data.meterEventSessions ?? [])
      this.meterEventSessions.set(session.authentication_token, session);
    fill(this.features, data.features);
    fill(this.productFeatures, data.productFeatures);
    fill(this.subscriptions, data.subscriptions);
    fill(this.invoices, data.invoices);
    for (const checkout of data.checkoutSessions) this.checkoutSessions.set(checkout.session.id, checkout);
    fill(this.portalSessions, data.portalSessions);
    fill(this.events, data.events);
    this.pendingWebhooks = data.pendingWebhooks.filter((id) => this.events.has(id));
    fill(this.v2Events, data.v2Events ?? []);
    this.pendingEventNotifications = (data.pendingEventNotifications ?? []).filter((id) =>
      this.v2Events.has(id),
    );
    for (const [key, value] of data.idempotency) this.idempotency.set(key, value);
    for (const [customer, features] of data.entitlements) this.entitlements.set(customer, features);
    fill(this.coupons, data.coupons ?? []);
    fill(this.promotionCodes, data.promotionCodes ?? []);
    fill(this.discounts, data.discounts ?? []);
    for (const id of data.spentDiscounts ?? []) this.spentDiscounts.add(id);
    return true;
  }

  /** Writes the state file atomically, owner-readable only. */
  save(): void {
    if (!this.stateFile) return;
    const data: z.input<typeof persistedSchema> = {
      version: 1,
      clockOffset: this.clockOffset,
      invoiceSequence: this.invoiceSequence,
      failNextPayments: this.failNextPayments,
      customers: [...this.customers.values()],
      deletedCustomers: [...this.deletedCustomers],
      cardOnFile: [...this.cardOnFile],
      products: [...this.products.values()],
      prices: [...this.prices.values()],
      priceTiers: [...this.priceTiers],
      meters: [...this.meters.values()],
      meterEvents: this.meterEvents,
      meterEventErrors: this.meterEventErrors,
      meterEventSessions: [...this.meterEventSessions.values()],
      features: [...this.features.values()],
      productFeatures: [...this.productFeatures.values()],
      subscriptions: [...this.subscriptions.values()],
      invoices: [...this.invoices.values()],
      checkoutSessions: [...this.checkoutSessions.values()],
      portalSessions: [...this.portalSessions.values()],
      events: [...this.events.values()].slice(-MAX_PERSISTED_EVENTS),
      pendingWebhooks: this.pendingWebhooks,
      v2Events: [...this.v2Events.values()].slice(-MAX_PERSISTED_EVENTS),
      pendingEventNotifications: this.pendingEventNotifications,
      idempotency: [...this.idempotency],
      entitlements: [...this.entitlements],
      coupons: [...this.coupons.values()],
      promotionCodes: [...this.promotionCodes.values()],
      discounts: [...this.discounts.values()],
      spentDiscounts: [...this.spentDiscounts],
    };
    writeStateFile(this.stateFile, data);
  }

  /** Forgets everything (`StripeSandbox.reset()`). */
  clear(): void {
    this.clockOffset = 0;
    this.invoiceSequence = 0;
    this.failNextPayments = 0;
    for (const map of [
      this.customers,
      this.products,
      this.prices,
      this.priceTiers,
      this.meters,
      this.features,
      this.productFeatures,
      this.subscriptions,
      this.invoices,
      this.checkoutSessions,
      this.portalSessions,
      this.events,
      this.idempotency,
      this.entitlements,
      this.meterEventSessions,
      this.meterEventIdentifiers,
      this.v2Events,
      this.coupons,
      this.promotionCodes,
      this.discounts,
    ] as Array<Map<string, unknown>>) {
      map.clear();
    }
    this.deletedCustomers.clear();
    this.cardOnFile.clear();
    this.spentDiscounts.clear();
    this.meterEvents.length = 0;
    this.meterEventErrors.length = 0;
    this.pendingWebhooks = [];
    this.pendingEventNotifications = [];
  }
}
