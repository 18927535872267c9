/**
 * Money movement: Checkout Sessions (subscription mode), Customer Portal sessions, subscriptions,
 * invoices (with the upcoming-invoice preview) and the event log. The hosted pages call
 * completeCheckout and the portal actions below, as the real pages call Stripe.
 */
import { addInterval } from "./billing-math";
import { StripeApiError, invalidParam, missingParam, noSuch, unsupported } from "./errors";
import { newId } from "./ids";
import { matchesRange, newestFirst, paginate } from "./lists";
import type { CheckoutSessionObject, CustomerObject, InvoiceObject, PortalSessionObject } from "./objects";
import type { Params } from "./params";
import { route, type ApiRoute } from "./api-route";
import type { SandboxEngine } from "./sandbox-engine";
import type { CheckoutSessionRecord, SubscriptionRecord } from "./sandbox-state";

const CHECKOUT_TTL = 24 * 3600;

function checkoutRecord(engine: SandboxEngine, id: string, param = "session"): CheckoutSessionRecord {
  const found = engine.state.checkoutSessions.get(id);
  if (!found) throw noSuch("checkout.session", id, param);
  return found;
}

/** The session as Stripe returns it; an open session past `expires_at` reads as expired. */
function expireIfDue(engine: SandboxEngine, record: CheckoutSessionRecord): CheckoutSessionObject {
  const session = record.session;
  if (session.status === "open" && session.expires_at <= engine.now()) {
    session.status = "expired";
    session.url = null;
    engine.emit("checkout.session.expired", session);
  }
  return session;
}

/** What a session's line items cost today: metered items nothing, the rest their first period. */
function amountDueToday(engine: SandboxEngine, record: CheckoutSessionRecord): number {
  return record.lineItems.reduce((sum, item) => {
    const price = engine.price(item.price);
    if (price.recurring?.usage_type === "metered") return sum;
    return (
      sum + engine.charges(price, item.quantity ?? 1).reduce((total, charge) => total + charge.amount, 0)
    );
  }, 0);
}

/**
 * Completes an open session as the hosted page's "Pay and subscribe" does: creates the customer if
 * needed, puts a card on file, starts the subscription (first invoice paid) and emits
 * `checkout.session.completed`. Returns where the browser goes next.
 */
export function completeCheckout(
  engine: SandboxEngine,
  id: string,
  input: { email?: string; name?: string } = {},
): string {
  const record = checkoutRecord(engine, id);
  const session = expireIfDue(engine, record);
  if (session.status !== "open")
    throw invalidParam("session", `This Checkout Session is ${session.status}.`, "checkout_session_not_open");
  let customerId = session.customer;
  if (!customerId) {
    const email = input.email || session.customer_email;
    if (!email) throw missingParam("email");
    const created: CustomerObject = {
      id: newId("cus"),
      object: "customer",
      address: null,
      balance: 0,
      created: engine.now(),
      currency: null,
      default_source: null,
      delinquent: false,
      description: null,
      email,
      invoice_prefix: newId("x", 8).slice(2).toUpperCase(),
      invoice_settings: {
        custom_fields: null,
        default_payment_method: null,
        footer: null,
        rendering_options: null,
      },
      livemode: false,
      metadata: {},
      name: input.name || null,
      next_invoice_sequence: 1,
      phone: null,
      preferred_locales: [],
      shipping: null,
      tax_exempt: "none",
      test_clock: null,
    };
    engine.state.customers.set(created.id, created);
    engine.emit("customer.created", created);
    customerId = created.id;
  }
  const customer = engine.customer(customerId);
  engine.state.cardOnFile.add(customer.id);
  const subscription = engine.createSubscription({
    customer: customer.id,
    items: record.lineItems.map((item) => ({
      price: item.price,
      ...(item.quantity === null ? {} : { quantity: item.quantity }),
    })),
    metadata: record.subscriptionData.metadata,
    description: record.subscriptionData.description,
    trialPeriodDays: record.subscriptionData.trialPeriodDays,
    cancelAtPeriodEnd: false,
    cancelAt: null,
  });
  const invoice = subscription.latest_invoice
    ? engine.state.invoices.get(subscription.latest_invoice)
    : undefined;
  session.status = "complete";
  session.payment_status = (invoice?.amount_due ?? 0) > 0 ? "paid" : "no_payment_required";
  session.customer = customer.id;
  session.subscription = subscription.id;
  session.invoice = invoice?.id ?? null;
  session.customer_details = {
    address: null,
    email: customer.email,
    name: customer.name,
    phone: null,
    tax_exempt: "none",
    tax_ids: [],
  };
  session.url = null;
  engine.emit("checkout.session.completed", session);
  return (session.success_url ?? "").replaceAll("{CHECKOUT_SESSION_ID}", session.id);
}

/** Portal actions, each a subscription update the real portal makes. */
export type PortalAction =
  | { kind: "cancel_at_period_end" }
  | { kind: "renew" }
  | { kind: "cancel_now" }
  | { kind: "switch"; price: string };

/** Applies a portal button to one of the session customer's subscriptions. */
export function applyPortalAction(
  engine: SandboxEngine,
  portalId: string,
  subscriptionId: string,
  action: PortalAction,
): void {
  const portal = engine.state.portalSessions.get(portalId);
  if (!portal) throw noSuch("billing_portal.session", portalId);
  const record = engine.subscriptionRecord(subscriptionId);
  if (record.customer !== portal.customer) throw noSuch("subscription", subscriptionId);
  if (record.status === "canceled")
    throw invalidParam("subscription", "This subscription is already canceled.");
  if (action.kind === "cancel_now") {
    engine.endSubscription(record, engine.now(), { finalUsageInvoice: false });
    return;
  }
  const before = engine.subscription(record);
  if (action.kind === "cancel_at_period_end" || action.kind === "renew") {
    setCancelAtPeriodEnd(engine, record, action.kind === "cancel_at_period_end");
  } else {
    switchPlan(engine, record, action.price);
  }
  engine.emitSubscriptionUpdated(before, record);
  engine.syncEntitlements([record.customer]);
}

function setCancelAtPeriodEnd(engine: SandboxEngine, record: SubscriptionRecord, cancel: boolean): void {
  setCancelAt(engine, record, cancel ? engine.periodOf(record).end : null);
}

/**
 * Schedules the end of a subscription at `cancelAt` (`null` unschedules it). `cancel_at` is the one
 * schedule: `cancel_at_period_end=true` sets it to the period's end (as the pinned API version
 * returns), and the clock (SandboxEngine.processClock) ends the subscription when it passes it.
 */
function setCancelAt(engine: SandboxEngine, record: SubscriptionRecord, cancelAt: number | null): void {
  record.cancel_at = cancelAt;
  record.cancel_at_period_end = cancelAt !== null && cancelAt === engine.periodOf(record).end;
  record.canceled_at = cancelAt === null ? null : engine.now();
  record.cancellation_details = {
    ...record.cancellation_details,
    reason: cancelAt === null ? null : "cancellation_requested",
  };
}

/**
 * The `cancel_at` parameter: a future unix timestamp, `''` to unset it (`null`), or `undefined` when
 * absent. The keywords the SDK also allows (`min_period_end`, `max_period_end`, `max_billed_until`)
 * are refused as unsupported rather than guessed at.
 */
function readCancelAt(engine: SandboxEngine, params: Params): number | null | undefined {
  const value = params.string("cancel_at");
  if (value === undefined) return undefined;
  if (value === "") return null;
  if (!/^-?\d+$/.test(value)) throw unsupported(`cancel_at=${value}`, "cancel_at");
  const cancelAt = Number(value);
  if (cancelAt <= engine.now()) throw invalidParam("cancel_at", "cancel_at must be in the future.");
  return cancelAt;
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
  engine.validateItems(
    items.map((item, index) => ({ price: engine.price(item.price), param: `items[${index}][price]` })),
  );
  record.items = items;
}

/** Applies `items[]` of a subscription update (add, change price/quantity, delete). */
function updateItems(engine: SandboxEngine, record: SubscriptionRecord, params: Params): void {
  const { start, end } = engine.periodOf(record);
  const items = [...record.items];
  params.objects("items").forEach((entry, index) => {
    const id = entry.string("id");
    const priceId = entry.string("price");
    const quantity = entry.int("quantity");
    if (entry.has("price_data")) throw unsupported("price_data", entry.name("price_data"));
    const existingIndex = id ? items.findIndex((item) => item.id === id) : -1;
    if (id && existingIndex === -1) throw noSuch("subscription_item", id, entry.name("id"));
    if (entry.bool("deleted")) {
      if (existingIndex === -1) throw missingParam(entry.name("id"));
      items.splice(existingIndex, 1);
      return;
    }
    const price = engine.price(priceId ?? items[existingIndex]?.price ?? "", entry.name("price"));
    const metered = price.recurring?.usage_type === "metered";
    if (metered && quantity !== undefined) {
      throw invalidParam(
        entry.name("quantity"),
        `Quantity should not be specified where usage_type is \`metered\`. Remove quantity from \`items[${index}]\`.`,
      );
    }
    const existing = items[existingIndex];
    if (existing) {
      const updated = { ...existing, price: price.id };
      if (metered) delete updated.quantity;
      else updated.quantity = quantity ?? existing.quantity ?? 1;
      items[existingIndex] = updated;
    } else {
      if (!priceId) throw missingParam(entry.name("price"));
      items.push({
        id: newId("si"),
        created: engine.now(),
        price: price.id,
        ...(metered ? {} : { quantity: quantity ?? 1 }),
        metadata: entry.metadata() ?? {},
        current_period_start: start,
        current_period_end: end,
      });
    }
  });
  engine.validateItems(
    items.map((item, index) => ({ price: engine.price(item.price), param: `items[${index}][price]` })),
  );
  record.items = items;
}

/** The next invoice of a subscription: licensed items for the next period plus usage so far. */
function previewInvoice(engine: SandboxEngine, params: Params): InvoiceObject {
  const subscriptionId = params.string("subscription");
  const customerId = params.string("customer");
  if (params.has("subscription_details") || params.has("invoice_items")) {
    throw unsupported("Previewing changes (subscription_details, invoice_items)", "subscription_details");
  }
  let record: SubscriptionRecord | undefined;
  if (subscriptionId) {
    record = engine.subscriptionRecord(subscriptionId, "subscription");
  } else if (customerId) {
    engine.customer(customerId);
    record = newestFirst(engine.state.subscriptions.values()).find(
      (candidate) => candidate.customer === customerId && candidate.status !== "canceled",
    );
  } else {
    throw missingParam("customer");
  }
  if (!record || record.status === "canceled") {
    throw new StripeApiError(
      404,
      "invalid_request_error",
      `No upcoming invoices for customer: ${customerId ?? record?.customer}`,
      "invoice_upcoming_none",
    );
  }
  const now = engine.now();
  const { start, end } = engine.periodOf(record);
  const { interval, count } = (() => {
    const recurring = engine.state.prices.get(record.items[0]?.price ?? "")?.recurring;
    return { interval: recurring?.interval ?? "month", count: recurring?.interval_count ?? 1 };
  })();
  const ending = record.cancel_at_period_end || (record.cancel_at !== null && record.cancel_at <= end);
  const nextEnd = addInterval(end, interval, count);
  const id = newId("upcoming_in");
  const lines = engine.invoiceLines(record, null, {
    ...(ending ? {} : { licensed: { start: end, end: nextEnd } }),
    usage: { start, end: Math.min(Math.max(now + 1, start), end) },
  });
  const preview = engine.buildInvoice(record, id, "upcoming", lines, { start, end }, end);
  preview.next_payment_attempt = end;
  return preview;
}

export const billingRoutes: ApiRoute[] = [
  // POST /v1/checkout/sessions – create a subscription-mode Checkout Session
  route("POST", "/v1/checkout/sessions", ({ engine, params, baseUrl }) => {
    const mode = params.requiredString("mode");
    if (mode !== "subscription") throw unsupported(`mode=${mode}`, "mode");
    const uiMode = params.string("ui_mode");
    if (uiMode !== undefined && uiMode !== "hosted") throw unsupported(`ui_mode=${uiMode}`, "ui_mode");
    const successUrl = params.requiredString("success_url");
    const customerId = params.string("customer");
    if (customerId) engine.customer(customerId);
    const customerEmail = params.string("customer_email");
    if (customerId && customerEmail)
      throw invalidParam(
        "customer_email",
        "You may only specify one of these parameters: customer, customer_email.",
      );
    const entries = params.objects("line_items");
    if (entries.length === 0) throw missingParam("line_items");
    const lineItems = entries.map((entry, index) => {
      if (entry.has("price_data")) throw unsupported("price_data", entry.name("price_data"));
      const price = engine.price(entry.requiredString("price"), entry.name("price"));
      const quantity = entry.int("quantity");
      if (price.recurring?.usage_type === "metered") {
        if (quantity !== undefined) {
          throw invalidParam(
            entry.name("quantity"),
            `Quantity should not be specified where usage_type is \`metered\`. Remove quantity from \`line_items[${index}]\`.`,
          );
        }
      } else if (quantity === undefined) {
        throw missingParam(entry.name("quantity"));
      }
      return { id: newId("li"), price: price.id, quantity: quantity ?? null };
    });
    const currency = engine.validateItems(
      lineItems.map((item, index) => ({
        price: engine.price(item.price),
        param: `line_items[${index}][price]`,
      })),
    );
    const subscriptionData = params.object("subscription_data");
    const now = engine.now();
    const id = newId("cs_test", 58);
    const record: CheckoutSessionRecord = {
      session: {
        id,
        object: "checkout.session",
        adaptive_pricing: null,
        after_expiration: null,
        allow_promotion_codes: params.bool("allow_promotion_codes") ?? null,
        amount_subtotal: 0,
        amount_total: 0,
        automatic_tax: { enabled: false, liability: null, provider: null, status: null },
        billing_address_collection: null,
        cancel_url: params.string("cancel_url") ?? null,
        client_reference_id: params.string("client_reference_id") ?? null,
        client_secret: null,
        consent: null,
        consent_collection: null,
        created: now,
        currency,
        custom_fields: [],
        custom_text: {
          after_submit: null,
          shipping_address: null,
          submit: null,
          terms_of_service_acceptance: null,
        },
        customer: customerId ?? null,
        customer_creation: customerId ? null : "always",
        customer_details: null,
        customer_email: customerEmail ?? null,
        expires_at: params.int("expires_at") ?? now + CHECKOUT_TTL,
        invoice: null,
        invoice_creation: null,
        livemode: false,
        locale: null,
        metadata: params.metadata() ?? {},
        mode: "subscription",
        payment_intent: null,
        payment_link: null,
        payment_method_collection: "always",
        payment_method_types: ["card"],
        payment_status: "unpaid",
        recovered_from: null,
        setup_intent: null,
        shipping_address_collection: null,
        shipping_cost: null,
        shipping_options: [],
        status: "open",
        submit_type: null,
        subscription: null,
        success_url: successUrl,
        total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
        url: `${baseUrl}/checkout/${id}`,
      },
      lineItems,
      subscriptionData: {
        metadata: subscriptionData?.metadata() ?? {},
        trialPeriodDays: subscriptionData?.int("trial_period_days") ?? null,
        description: subscriptionData?.string("description") ?? null,
      },
    };
    const total = amountDueToday(engine, record);
    record.session.amount_subtotal = total;
    record.session.amount_total = record.subscriptionData.trialPeriodDays ? 0 : total;
    engine.state.checkoutSessions.set(id, record);
    return record.session;
  }),

  // POST /v1/billing_portal/sessions – a portal link for a customer
  route("POST", "/v1/billing_portal/sessions", ({ engine, params, baseUrl }) => {
    const customer = engine.customer(params.requiredString("customer"));
    if (params.has("flow_data")) throw unsupported("flow_data", "flow_data");
    const id = newId("bps");
    const session: PortalSessionObject = {
      id,
      object: "billing_portal.session",
      configuration: params.string("configuration") ?? "bpc_sandbox_default",
      created: engine.now(),
      customer: customer.id,
      customer_account: null,
      flow: null,
      livemode: false,
      locale: null,
      on_behalf_of: null,
      return_url: params.string("return_url") ?? null,
      url: `${baseUrl}/portal/${id}`,
    };
    engine.state.portalSessions.set(id, session);
    engine.emit("billing_portal.session.created", session);
    return session;
  }),

  // GET /v1/subscriptions – list subscriptions (customer, price, status; canceled only with status)
  route("GET", "/v1/subscriptions", ({ engine, params }) => {
    const customer = params.string("customer");
    const status = params.string("status");
    const price = params.string("price");
    const subscriptions = newestFirst(engine.state.subscriptions.values()).filter(
      (record) =>
        (customer === undefined || record.customer === customer) &&
        (status === "all" ||
          (status === undefined ? record.status !== "canceled" : record.status === status)) &&
        (price === undefined || record.items.some((item) => item.price === price)) &&
        matchesRange(record.created, params),
    );
    return paginate(
      subscriptions.map((record) => engine.subscription(record)),
      params,
      "/v1/subscriptions",
      "subscription",
    );
  }),

  // GET /v1/subscriptions/:id – retrieve a subscription
  route("GET", "/v1/subscriptions/:id", ({ engine, path }) =>
    engine.subscription(engine.subscriptionRecord(path.id ?? "")),
  ),

  // POST /v1/subscriptions/:id – update (cancel_at_period_end, cancel_at, items, metadata)
  route("POST", "/v1/subscriptions/:id", ({ engine, params, path }) => {
    const record = engine.subscriptionRecord(path.id ?? "");
    const before = engine.subscription(record);
    const canceledEditable = ["metadata", "cancellation_details", "expand"];
    if (
      record.status === "canceled" &&
      Object.keys(params.raw).some((key) => !canceledEditable.includes(key))
    ) {
      throw invalidParam(
        Object.keys(params.raw).find((key) => !canceledEditable.includes(key)) ?? "id",
        "A canceled subscription can only update its cancellation_details and metadata.",
      );
    }
    const cancelAtPeriodEnd = params.bool("cancel_at_period_end");
    const cancelAt = readCancelAt(engine, params);
    if (params.has("items")) updateItems(engine, record, params);
    if (cancelAtPeriodEnd !== undefined) setCancelAtPeriodEnd(engine, record, cancelAtPeriodEnd);
    if (cancelAt !== undefined) setCancelAt(engine, record, cancelAt);
    const details = params.object("cancellation_details");
    if (details) {
      record.cancellation_details = {
        ...record.cancellation_details,
        comment: details.nullableString("comment") ?? record.cancellation_details.comment,
        feedback: details.nullableString("feedback") ?? record.cancellation_details.feedback,
      };
    }
    const description = params.nullableString("description");
    if (description !== undefined) record.description = description;
    const metadata = params.metadata(record.metadata);
    if (metadata) record.metadata = metadata;
    engine.emitSubscriptionUpdated(before, record);
    engine.syncEntitlements([record.customer]);
    return engine.subscription(record);
  }),

  // DELETE /v1/subscriptions/:id – cancel now (invoice_now bills outstanding usage)
  route("DELETE", "/v1/subscriptions/:id", ({ engine, params, path }) => {
    const record = engine.subscriptionRecord(path.id ?? "");
    if (record.status === "canceled") {
      throw invalidParam(
        "id",
        "A canceled subscription can only update its cancellation_details and metadata.",
      );
    }
    const details = params.object("cancellation_details");
    if (details) {
      record.cancellation_details = {
        ...record.cancellation_details,
        comment: details.nullableString("comment") ?? null,
        feedback: details.nullableString("feedback") ?? null,
      };
    }
    engine.endSubscription(record, engine.now(), { finalUsageInvoice: params.bool("invoice_now") ?? false });
    return engine.subscription(record);
  }),

  // POST /v1/invoices/create_preview – the upcoming invoice of a subscription
  route("POST", "/v1/invoices/create_preview", ({ engine, params }) => previewInvoice(engine, params)),

  // GET /v1/invoices – list invoices (customer, subscription, status)
  route("GET", "/v1/invoices", ({ engine, params }) => {
    const customer = params.string("customer");
    const subscription = params.string("subscription");
    const status = params.string("status");
    const invoices = newestFirst(engine.state.invoices.values()).filter(
      (item) =>
        (customer === undefined || item.customer === customer) &&
        (subscription === undefined || item.parent.subscription_details.subscription === subscription) &&
        (status === undefined || item.status === status) &&
        matchesRange(item.created, params),
    );
    return paginate(invoices, params, "/v1/invoices", "invoice");
  }),

  // GET /v1/events – list events (type, types[], created)
  route("GET", "/v1/events", ({ engine, params }) => {
    const type = params.string("type");
    const types = params.strings("types");
    const pattern = type?.includes("*")
      ? new RegExp(`^${type.replace(/\./g, "\\.").replace(/\*/g, ".*")}$`)
      : undefined;
    const events = newestFirst(engine.state.events.values()).filter(
      (event) =>
        (type === undefined || (pattern ? pattern.test(event.type) : event.type === type)) &&
        (types.length === 0 || types.includes(event.type)) &&
        matchesRange(event.created, params),
    );
    return paginate(events, params, "/v1/events", "event");
  }),
];
