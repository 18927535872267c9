/**
 * Checkout Sessions in subscription mode. The hosted page (`/checkout/{id}`) completes one with
 * completeCheckout, as Stripe's page does when the customer pays.
 */
import { charges } from "../engine/invoices";
import type { SandboxEngine } from "../engine/sandbox-engine";
import { createSubscription, validateItems } from "../engine/subscriptions";
import type { CheckoutSessionObject } from "../billing-objects";
import { invalidParam, missingParam, noSuch, unsupported } from "../errors";
import { newId } from "../ids";
import type { CheckoutSessionRecord } from "../sandbox-state";
import { newCustomer, storeCustomer } from "./customers";
import { route, type ApiRoute } from "./route";

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
      sum + charges(engine, price, item.quantity ?? 1).reduce((total, charge) => total + charge.amount, 0)
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
    const created = newCustomer(engine, newId("cus"));
    created.email = email;
    created.name = input.name || null;
    storeCustomer(engine, created);
    customerId = created.id;
  }
  const customer = engine.customer(customerId);
  engine.state.cardOnFile.add(customer.id);
  const subscription = createSubscription(engine, {
    customer: customer.id,
    items: record.lineItems.map((item) => ({
      price: item.price,
      ...(item.quantity === null ? {} : { quantity: item.quantity }),
    })),
    metadata: record.subscriptionData.metadata,
    description: record.subscriptionData.description,
    trialPeriodDays: record.subscriptionData.trialPeriodDays,
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

export const checkoutRoutes: ApiRoute[] = [
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
    const currency = validateItems(
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
];
