/**
 * Checkout Sessions in subscription mode. The hosted page (`/checkout/{id}`) completes one with
 * completeCheckout, as Stripe's page does when the customer pays.
 */
import { redeemablePromotionCode } from "../engine/discounts";
import { charges } from "../engine/invoices";
import type { SandboxEngine } from "../engine/sandbox-engine";
import { createSubscription, validateItems } from "../engine/subscriptions";
import type { CheckoutSessionObject } from "../billing-objects";
import { invalidParam, missingParam, noSuch, unsupported } from "../errors";
import { newId } from "../ids";
import type { AddressObject } from "../objects";
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
  input: { email?: string; name?: string; promotionCode?: string; address?: Partial<AddressObject> } = {},
): string {
  const record = checkoutRecord(engine, id);
  const session = expireIfDue(engine, record);
  if (session.status !== "open")
    throw invalidParam("session", `This Checkout Session is ${session.status}.`, "checkout_session_not_open");
  const typedCode = input.promotionCode?.trim();
  if (typedCode && !session.allow_promotion_codes)
    throw invalidParam("promotion_code", "This checkout does not accept promotion codes.");
  const promotion = typedCode ? redeemablePromotionCode(engine, typedCode, session.customer) : undefined;
  let address: AddressObject | null = null;
  if (session.billing_address_collection === "required") {
    const country = input.address?.country?.trim().toUpperCase();
    if (!country || !/^[A-Z]{2}$/.test(country)) throw missingParam("address[country]");
    const postal = input.address?.postal_code?.trim() || null;
    address = {
      city: null,
      country,
      line1: input.address?.line1?.trim() || null,
      line2: null,
      postal_code: postal,
      state: null,
    };
  }
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
  // customer_update[address|name]=auto: what was entered on the page is saved on the customer.
  if (address && (record.customerUpdate?.address || !session.customer)) customer.address = address;
  if (input.name && record.customerUpdate?.name) customer.name = input.name;
  const subscription = createSubscription(engine, {
    customer: customer.id,
    items: record.lineItems.map((item) => ({
      price: item.price,
      ...(item.quantity === null ? {} : { quantity: item.quantity }),
    })),
    metadata: record.subscriptionData.metadata,
    description: record.subscriptionData.description,
    trialPeriodDays: record.subscriptionData.trialPeriodDays,
    automaticTax: session.automatic_tax.enabled,
    promotionCode: promotion,
    checkoutSession: session.id,
  });
  const invoice = subscription.latest_invoice
    ? engine.state.invoices.get(subscription.latest_invoice)
    : undefined;
  session.status = "complete";
  if (session.automatic_tax.enabled) session.automatic_tax.status = "complete";
  session.payment_status = (invoice?.amount_due ?? 0) > 0 ? "paid" : "no_payment_required";
  session.customer = customer.id;
  session.subscription = subscription.id;
  session.invoice = invoice?.id ?? null;
  if (promotion) {
    session.discounts = [{ coupon: promotion.promotion.coupon, promotion_code: promotion.id }];
    const amountDiscount = invoice?.total_discount_amounts.reduce((sum, entry) => sum + entry.amount, 0) ?? 0;
    session.total_details = { ...session.total_details, amount_discount: amountDiscount };
    session.amount_total = Math.max(0, session.amount_total - amountDiscount);
  }
  session.customer_details = {
    address: address ?? customer.address,
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
    if (params.has("discounts")) throw unsupported("discounts", "discounts");
    const trialDays = subscriptionData?.int("trial_period_days");
    if (trialDays !== undefined && (trialDays < 1 || trialDays > 730))
      throw invalidParam(
        "subscription_data[trial_period_days]",
        "`trial_period_days` must be at least 1 and at most 730.",
      );
    const automaticTax = params.object("automatic_tax")?.bool("enabled") ?? false;
    const addressCollection =
      params.enum("billing_address_collection", ["auto", "required"] as const) ?? null;
    const customerUpdate = params.object("customer_update");
    if (customerUpdate && !customerId)
      throw invalidParam("customer_update", "`customer_update` can only be used with `customer`.");
    const updateAddress = customerUpdate?.enum("address", ["auto", "never"] as const) === "auto";
    const updateName = customerUpdate?.enum("name", ["auto", "never"] as const) === "auto";
    // Stripe Tax needs the customer's location: an existing customer without an address must let
    // Checkout save the one it collects (https://docs.stripe.com/tax/checkout).
    if (automaticTax && customerId && !engine.customer(customerId).address && !updateAddress) {
      throw invalidParam(
        "customer_update[address]",
        "Automatic tax calculation in Checkout requires a valid address on the Customer. Add a valid address to the Customer or set either `customer_update[address]` to 'auto' or `customer_update[shipping]` to 'auto' to save the address entered in Checkout to the Customer.",
      );
    }
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
        automatic_tax: automaticTax
          ? {
              enabled: true,
              liability: { type: "self" },
              provider: "stripe",
              status: "requires_location_inputs",
            }
          : { enabled: false, liability: null, provider: null, status: null },
        billing_address_collection: addressCollection,
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
        discounts: [],
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
      customerUpdate: { address: updateAddress, name: updateName },
    };
    const total = amountDueToday(engine, record);
    record.session.amount_subtotal = total;
    record.session.amount_total = record.subscriptionData.trialPeriodDays ? 0 : total;
    engine.state.checkoutSessions.set(id, record);
    return record.session;
  }),
];
