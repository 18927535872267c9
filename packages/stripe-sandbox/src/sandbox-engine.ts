/**
 * The sandbox's behaviour, independent of HTTP: the clock, events, rendering stored records into
 * Stripe objects, and the subscription lifecycle (checkout, renewal, failed payments, cancellation,
 * end) with the invoices and entitlement summaries each step produces.
 */
import Stripe from "stripe";
import {
  addInterval,
  aggregate,
  lineAmount,
  nextPeriodEnd,
  tierCharges,
  type MeteredValue,
  type TierCharge,
} from "./billing-math";
import { invalidParam, noSuch } from "./errors";
import { derivedId, newId } from "./ids";
import type {
  ActiveEntitlementObject,
  ActiveEntitlementSummaryObject,
  CustomerObject,
  EventObject,
  InvoiceBillingReason,
  InvoiceLineItemObject,
  InvoiceObject,
  Metadata,
  MeterObject,
  PlanObject,
  PriceObject,
  PriceTierObject,
  SubscriptionItemObject,
  SubscriptionObject,
  SubscriptionStatus,
  V2EventObject,
} from "./objects";
import { meterErrorReportEvents } from "./meter-error-reports";
import type {
  MeterEventErrorRecord,
  SandboxState,
  SubscriptionItemRecord,
  SubscriptionRecord,
} from "./sandbox-state";

/** The API version the sandbox's objects follow: the one the installed SDK pins. */
export const SANDBOX_API_VERSION: string = Stripe.API_VERSION;

/** Statuses under which Stripe keeps a subscription's entitlements active. */
const ENTITLED_STATUSES: ReadonlySet<SubscriptionStatus> = new Set(["active", "trialing", "past_due"]);
/** Statuses that still bill and renew. */
const LIVE_STATUSES: ReadonlySet<SubscriptionStatus> = new Set(["active", "trialing", "past_due"]);

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

  /** The meter a metered price bills, if any. */
  meterOf(price: PriceObject): MeterObject | undefined {
    const id = price.recurring?.meter;
    return id ? this.state.meters.get(id) : undefined;
  }

  // ---- rendering ----

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

  // ---- entitlements ----

  /** Active feature ids of a customer, from its entitled subscriptions' products. */
  activeFeatureIds(customer: string): string[] {
    const products = new Set<string>();
    for (const subscription of this.state.subscriptions.values()) {
      if (subscription.customer !== customer || !ENTITLED_STATUSES.has(subscription.status)) continue;
      for (const item of subscription.items) {
        const price = this.state.prices.get(item.price);
        if (price) products.add(price.product);
      }
    }
    const features: string[] = [];
    for (const attached of this.state.productFeatures.values()) {
      const feature = this.state.features.get(attached.feature);
      if (products.has(attached.product) && feature?.active && !features.includes(feature.id)) {
        features.push(feature.id);
      }
    }
    return features;
  }

  activeEntitlements(customer: string): ActiveEntitlementObject[] {
    return this.activeFeatureIds(customer).flatMap((featureId) => {
      const feature = this.state.features.get(featureId);
      if (!feature) return [];
      return [
        {
          id: derivedId("ent_test", customer, featureId),
          object: "entitlements.active_entitlement" as const,
          feature: featureId,
          livemode: false as const,
          lookup_key: feature.lookup_key,
        },
      ];
    });
  }

  /** The webhook body of `entitlements.active_entitlement_summary.updated`: at most 10 entitlements. */
  entitlementSummary(
    customer: string,
    entitlements: ActiveEntitlementObject[],
  ): ActiveEntitlementSummaryObject {
    return {
      object: "entitlements.active_entitlement_summary",
      customer,
      entitlements: {
        object: "list",
        data: entitlements.slice(0, 10),
        has_more: entitlements.length > 10,
        url: "/v1/entitlements/active_entitlements",
      },
      livemode: false,
    };
  }

  /**
   * Emits a summary event for every customer whose active features changed since it was last told
   * (all customers with subscriptions when `customers` is omitted, e.g. after a feature change).
   */
  syncEntitlements(customers?: Iterable<string>, created = this.now()): void {
    const targets = new Set(
      customers ?? [...this.state.subscriptions.values()].map((subscription) => subscription.customer),
    );
    for (const customer of targets) {
      const before = this.state.entitlements.get(customer) ?? [];
      const after = this.activeFeatureIds(customer);
      if (before.length === after.length && before.every((id, index) => after[index] === id)) continue;
      const previous = before.flatMap((featureId) => {
        const feature = this.state.features.get(featureId);
        return feature
          ? [
              {
                id: derivedId("ent_test", customer, featureId),
                object: "entitlements.active_entitlement" as const,
                feature: featureId,
                livemode: false as const,
                lookup_key: feature.lookup_key,
              },
            ]
          : [];
      });
      this.state.entitlements.set(customer, after);
      this.emit(
        "entitlements.active_entitlement_summary.updated",
        this.entitlementSummary(customer, this.activeEntitlements(customer)),
        { entitlements: this.entitlementSummary(customer, previous).entitlements },
        created,
      );
    }
  }

  // ---- metering ----

  /** Meter events of a meter for one customer with `start <= timestamp < end`. */
  meteredValues(meter: MeterObject, customer: string, start: number, end: number): MeteredValue[] {
    const customerKey = meter.customer_mapping.event_payload_key;
    const valueKey = meter.value_settings.event_payload_key;
    const values: MeteredValue[] = [];
    this.state.meterEvents.forEach((event, sequence) => {
      if (event.event_name !== meter.event_name || event.payload[customerKey] !== customer) return;
      if (event.timestamp < start || event.timestamp >= end) return;
      const value = meter.default_aggregation.formula === "count" ? 1 : Number(event.payload[valueKey]);
      // Stripe drops events with a non-numeric value asynchronously (meter error reports).
      if (Number.isFinite(value)) values.push({ value, timestamp: event.timestamp, sequence });
    });
    return values;
  }

  usage(meter: MeterObject, customer: string, start: number, end: number): number {
    return aggregate(meter.default_aggregation.formula, this.meteredValues(meter, customer, start, end));
  }

  // ---- invoices ----

  private formatMoney(amountDecimal: string | null, currency: string): string {
    const amount = Number(amountDecimal ?? 0) / 100;
    const digits = amount !== 0 && Math.abs(amount) < 0.01 ? 4 : 2;
    return `${currency.toUpperCase() === "USD" ? "$" : `${currency.toUpperCase()} `}${amount.toFixed(digits)}`;
  }

  /** The tiers of a tiered price (empty for a per-unit price). */
  tiersOf(price: PriceObject): PriceTierObject[] {
    return this.state.priceTiers.get(price.id) ?? [];
  }

  /**
   * What `quantity` of a price costs, split as invoice lines split it: one part for a per-unit price,
   * one per tier reached for a graduated price, the quantity's tier for a volume price.
   */
  charges(price: PriceObject, quantity: number): TierCharge[] {
    if (price.billing_scheme === "tiered") {
      return tierCharges(this.tiersOf(price), price.tiers_mode ?? "graduated", quantity);
    }
    return [
      {
        tier: 0,
        quantity,
        amount: lineAmount(price.unit_amount_decimal, quantity),
        unitAmountDecimal: price.unit_amount_decimal,
        flatAmountDecimal: null,
      },
    ];
  }

  /**
   * Lines of a subscription invoice: licensed items in advance, metered usage in arrears. A tiered
   * price gives one line per tier charged, as Stripe's invoices show them ("Tier 1 at $0.00 / unit").
   */
  invoiceLines(
    subscription: SubscriptionRecord,
    invoiceId: string | null,
    periods: {
      licensed?: { start: number; end: number };
      usage: { start: number; end: number };
      trial?: boolean;
    },
  ): InvoiceLineItemObject[] {
    const lines: InvoiceLineItemObject[] = [];
    for (const item of subscription.items) {
      const price = this.price(item.price);
      const product = this.state.products.get(price.product);
      const name = product?.name ?? price.product;
      const metered = price.recurring?.usage_type === "metered";
      let quantity: number;
      let period: { start: number; end: number };
      if (metered) {
        const meter = this.meterOf(price);
        quantity = meter
          ? this.usage(meter, subscription.customer, periods.usage.start, periods.usage.end)
          : 0;
        period = periods.usage;
      } else {
        if (!periods.licensed) continue;
        quantity = item.quantity ?? 1;
        period = periods.licensed;
      }
      const per = metered ? "unit" : (price.recurring?.interval ?? "month");
      for (const charge of this.charges(price, quantity)) {
        const at = this.formatMoney(charge.unitAmountDecimal, price.currency);
        const flat =
          charge.flatAmountDecimal === null
            ? ""
            : ` + ${this.formatMoney(charge.flatAmountDecimal, price.currency)}`;
        const description =
          !metered && periods.trial
            ? `Trial period for ${name}`
            : charge.tier > 0
              ? `${charge.quantity} × ${name} (Tier ${charge.tier} at ${at} / ${per}${flat})`
              : `${charge.quantity} × ${name} (at ${at} / ${per})`;
        const amount = periods.trial ? 0 : charge.amount;
        lines.push({
          id: newId("il"),
          object: "line_item",
          amount,
          currency: price.currency,
          description,
          discount_amounts: [],
          discountable: true,
          discounts: [],
          invoice: invoiceId,
          livemode: false,
          metadata: {},
          parent: {
            invoice_item_details: null,
            subscription_item_details: {
              invoice_item: null,
              proration: false,
              proration_details: { credited_items: null },
              subscription: subscription.id,
              subscription_item: item.id,
            },
            type: "subscription_item_details",
          },
          period,
          pretax_credit_amounts: [],
          pricing: {
            price_details: { price: price.id, product: price.product },
            type: "price_details",
            unit_amount_decimal: charge.unitAmountDecimal,
          },
          quantity: Math.round(charge.quantity),
          quantity_decimal: String(charge.quantity),
          subtotal: amount,
          taxes: [],
        });
      }
    }
    return lines;
  }

  /** An invoice object (not stored); `id` decides whether it is a real invoice or a preview. */
  buildInvoice(
    subscription: SubscriptionRecord,
    id: string,
    reason: InvoiceBillingReason,
    lines: InvoiceLineItemObject[],
    usage: { start: number; end: number },
    created: number,
  ): InvoiceObject {
    const customer = this.state.customers.get(subscription.customer);
    const total = lines.reduce((sum, line) => sum + line.amount, 0);
    return {
      id,
      object: "invoice",
      account_country: "US",
      account_name: "Tollgate Stripe sandbox",
      amount_due: total,
      amount_overpaid: 0,
      amount_paid: 0,
      amount_remaining: total,
      amount_shipping: 0,
      application: null,
      attempt_count: 0,
      attempted: false,
      auto_advance: reason !== "upcoming",
      automatic_tax: { disabled_reason: null, enabled: false, liability: null, provider: null, status: null },
      automatically_finalizes_at: null,
      billing_reason: reason,
      collection_method: "charge_automatically",
      created,
      currency: subscription.currency,
      customer: subscription.customer,
      customer_email: customer?.email ?? null,
      customer_name: customer?.name ?? null,
      default_payment_method: null,
      description: null,
      discounts: [],
      due_date: null,
      effective_at: null,
      ending_balance: null,
      footer: null,
      hosted_invoice_url: null,
      invoice_pdf: null,
      issuer: { type: "self" },
      last_finalization_error: null,
      lines: { object: "list", data: lines, has_more: false, url: `/v1/invoices/${id}/lines` },
      livemode: false,
      metadata: {},
      next_payment_attempt: null,
      number: null,
      parent: {
        quote_details: null,
        subscription_details: { metadata: subscription.metadata, subscription: subscription.id },
        type: "subscription_details",
      },
      period_end: usage.end,
      period_start: usage.start,
      post_payment_credit_notes_amount: 0,
      pre_payment_credit_notes_amount: 0,
      receipt_number: null,
      starting_balance: 0,
      statement_descriptor: null,
      status: "draft",
      status_transitions: {
        finalized_at: null,
        marked_uncollectible_at: null,
        paid_at: null,
        voided_at: null,
      },
      subtotal: total,
      subtotal_excluding_tax: total,
      test_clock: null,
      total,
      total_discount_amounts: [],
      total_excluding_tax: total,
      total_taxes: [],
      webhooks_delivered_at: null,
    };
  }

  /**
   * Creates, finalizes and charges a subscription invoice. A charge fails when a failure was armed
   * (`failNextPayment`) or no card is on file; the subscription then goes past_due (incomplete for
   * a first invoice), as Stripe's default payment behaviour does.
   */
  chargeInvoice(
    subscription: SubscriptionRecord,
    reason: InvoiceBillingReason,
    periods: Parameters<SandboxEngine["invoiceLines"]>[2],
    created: number,
    options: { cardPresent: boolean },
  ): InvoiceObject {
    const id = newId("in");
    const invoice = this.buildInvoice(
      subscription,
      id,
      reason,
      this.invoiceLines(subscription, id, periods),
      periods.usage,
      created,
    );
    this.state.invoiceSequence += 1;
    invoice.number = `SANDBOX-${String(this.state.invoiceSequence).padStart(4, "0")}`;
    invoice.status = "open";
    invoice.effective_at = created;
    invoice.status_transitions.finalized_at = created;
    invoice.webhooks_delivered_at = created;
    this.state.invoices.set(id, invoice);
    subscription.latest_invoice = id;
    this.emit("invoice.created", invoice, undefined, created);
    this.emit("invoice.finalized", invoice, undefined, created);
    if (invoice.amount_due === 0) {
      this.markPaid(invoice, created);
      return invoice;
    }
    invoice.attempted = true;
    invoice.attempt_count = 1;
    const fail = this.state.failNextPayments > 0 || !options.cardPresent;
    if (fail) {
      if (this.state.failNextPayments > 0) this.state.failNextPayments -= 1;
      invoice.next_payment_attempt = created + 3 * 86_400;
      this.emit("invoice.payment_failed", invoice, undefined, created);
      return invoice;
    }
    this.markPaid(invoice, created);
    return invoice;
  }

  markPaid(invoice: InvoiceObject, at: number): void {
    invoice.status = "paid";
    invoice.amount_paid = invoice.amount_due;
    invoice.amount_remaining = 0;
    invoice.ending_balance = 0;
    invoice.next_payment_attempt = null;
    invoice.status_transitions.paid_at = at;
    this.emit("invoice.paid", invoice, undefined, at);
    this.emit("invoice.payment_succeeded", invoice, undefined, at);
  }

  // ---- subscriptions ----

  /** The interval every item of a subscription shares (Stripe requires one). */
  private intervalOf(subscription: SubscriptionRecord): {
    interval: "day" | "week" | "month" | "year";
    count: number;
  } {
    const first = subscription.items[0];
    const recurring = first ? this.state.prices.get(first.price)?.recurring : null;
    return { interval: recurring?.interval ?? "month", count: recurring?.interval_count ?? 1 };
  }

  periodOf(subscription: SubscriptionRecord): { start: number; end: number } {
    const first = subscription.items[0];
    return {
      start: first?.current_period_start ?? subscription.start_date,
      end: first?.current_period_end ?? subscription.start_date,
    };
  }

  /** Checks that the prices can share a subscription and returns its currency. */
  validateItems(prices: Array<{ price: PriceObject; param: string }>): string {
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
   * Starts a subscription now: first period, first invoice (charged when a card is on file), events
   * `customer.subscription.created` and the invoice's, then the entitlement summary.
   */
  createSubscription(input: {
    customer: string;
    items: Array<{ price: string; quantity?: number; metadata?: Metadata }>;
    metadata: Metadata;
    description: string | null;
    trialPeriodDays: number | null;
    cancelAtPeriodEnd: boolean;
    /** Overrides `cancelAtPeriodEnd`, as on update. */
    cancelAt: number | null;
  }): SubscriptionRecord {
    const now = this.now();
    const prices = input.items.map((item, index) => ({
      price: this.price(item.price, `items[${index}][price]`),
      param: `items[${index}][price]`,
    }));
    const currency = this.validateItems(prices);
    const first = prices[0]?.price.recurring;
    const trialEnd = input.trialPeriodDays ? now + input.trialPeriodDays * 86_400 : null;
    const periodEnd = trialEnd ?? addInterval(now, first?.interval ?? "month", first?.interval_count ?? 1);
    const cancelAt = input.cancelAt ?? (input.cancelAtPeriodEnd ? periodEnd : null);
    const id = newId("sub");
    const subscription: SubscriptionRecord = {
      id,
      object: "subscription",
      application: null,
      application_fee_percent: null,
      automatic_tax: { disabled_reason: null, enabled: false, liability: null },
      billing_cycle_anchor: trialEnd ?? now,
      billing_mode: { flexible: null, type: "classic" },
      billing_thresholds: null,
      cancel_at: cancelAt,
      cancel_at_period_end: cancelAt !== null && cancelAt === periodEnd,
      canceled_at: cancelAt === null ? null : now,
      cancellation_details: {
        comment: null,
        feedback: null,
        reason: cancelAt === null ? null : "cancellation_requested",
      },
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
        ...(this.price(item.price).recurring?.usage_type === "metered"
          ? {}
          : { quantity: item.quantity ?? 1 }),
        metadata: item.metadata ?? {},
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
    this.state.subscriptions.set(id, subscription);
    const invoice = this.chargeInvoice(
      subscription,
      "subscription_create",
      { licensed: { start: now, end: periodEnd }, usage: { start: now, end: now }, trial: trialEnd !== null },
      now,
      { cardPresent: this.state.cardOnFile.has(input.customer) },
    );
    if (invoice.status !== "paid") subscription.status = "incomplete";
    this.emit("customer.subscription.created", this.subscription(subscription), undefined, now);
    this.syncEntitlements([input.customer], now);
    return subscription;
  }

  /** Emits `customer.subscription.updated` with the top-level fields that changed. */
  emitSubscriptionUpdated(
    before: SubscriptionObject,
    record: SubscriptionRecord,
    created = this.now(),
  ): void {
    const after = this.subscription(record);
    const previous: Record<string, unknown> = {};
    for (const key of Object.keys(after) as Array<keyof SubscriptionObject>) {
      if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) previous[key] = before[key];
    }
    if (Object.keys(previous).length > 0)
      this.emit("customer.subscription.updated", after, previous, created);
  }

  /** Ends a subscription (now, or at its period end) and emits `customer.subscription.deleted`. */
  endSubscription(
    record: SubscriptionRecord,
    at: number,
    options: { finalUsageInvoice: boolean; reason?: SubscriptionObject["cancellation_details"]["reason"] },
  ): void {
    if (options.finalUsageInvoice) {
      const period = this.periodOf(record);
      const hasMetered = record.items.some(
        (item) => this.state.prices.get(item.price)?.recurring?.usage_type === "metered",
      );
      if (hasMetered) {
        this.chargeInvoice(
          record,
          "subscription_cycle",
          { usage: { start: period.start, end: Math.min(at, period.end) } },
          at,
          {
            cardPresent: this.state.cardOnFile.has(record.customer),
          },
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
    this.emit("customer.subscription.deleted", this.subscription(record), undefined, at);
    this.syncEntitlements([record.customer], at);
  }

  /** Starts the next billing period at `at` and charges its invoice. */
  private renew(record: SubscriptionRecord, at: number): void {
    const before = this.subscription(record);
    const previous = this.periodOf(record);
    const { interval, count } = this.intervalOf(record);
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
    const invoice = this.chargeInvoice(
      record,
      "subscription_cycle",
      { licensed: { start: at, end }, usage: { start: previous.start, end: previous.end } },
      at,
      { cardPresent: this.state.cardOnFile.has(record.customer) },
    );
    record.status = invoice.status === "paid" ? "active" : "past_due";
    this.emitSubscriptionUpdated(before, record, at);
    this.syncEntitlements([record.customer], at);
  }

  /**
   * Moves every live subscription to the sandbox's present: renews each period that ended (one
   * invoice per period) and ends those set to cancel. Events carry the time they happened.
   */
  processClock(): void {
    const now = this.now();
    for (const record of this.state.subscriptions.values()) {
      for (let guard = 0; guard < 1000 && LIVE_STATUSES.has(record.status); guard++) {
        const { end } = this.periodOf(record);
        const cancelAt = record.cancel_at ?? (record.cancel_at_period_end ? end : null);
        if (cancelAt !== null && cancelAt <= now && cancelAt <= end) {
          this.endSubscription(record, cancelAt, { finalUsageInvoice: true });
          break;
        }
        if (end > now) break;
        this.renew(record, end);
      }
    }
  }
}
