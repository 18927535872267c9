/** `/v1/customers`: create, retrieve, delete (cancelling subscriptions), list by email. */
import { endSubscription } from "../engine/subscriptions";
import type { SandboxEngine } from "../engine/sandbox-engine";
import { invalidParam, noSuch } from "../errors";
import { newId } from "../ids";
import { matchesRange, newestFirst, paginate } from "../lists";
import type { CustomerObject, DeletedObject } from "../objects";
import type { Params } from "../params";
import { route, type ApiRoute } from "./route";

function readProfile(params: Params, customer: CustomerObject): void {
  const email = params.nullableString("email");
  if (email !== undefined) {
    if (email !== null && !/^[^\s@]+@[^\s@]+$/.test(email))
      throw invalidParam("email", `Invalid email address: ${email}`, "email_invalid");
    customer.email = email;
  }
  const name = params.nullableString("name");
  if (name !== undefined) customer.name = name;
  const description = params.nullableString("description");
  if (description !== undefined) customer.description = description;
  const phone = params.nullableString("phone");
  if (phone !== undefined) customer.phone = phone;
  const metadata = params.metadata(customer.metadata);
  if (metadata) customer.metadata = metadata;
}

/** A customer with Stripe's defaults and no profile yet (not stored). */
export function newCustomer(engine: SandboxEngine, id: string): CustomerObject {
  return {
    id,
    object: "customer",
    address: null,
    balance: 0,
    created: engine.now(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    email: null,
    invoice_prefix: id.slice(4, 12).toUpperCase(),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: {},
    name: null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: "none",
    test_clock: null,
  };
}

/** Stores a new customer and emits `customer.created`. */
export function storeCustomer(engine: SandboxEngine, customer: CustomerObject): CustomerObject {
  engine.state.customers.set(customer.id, customer);
  engine.emit("customer.created", customer);
  return customer;
}

export const customerRoutes: ApiRoute[] = [
  // POST /v1/customers – create a customer
  route("POST", "/v1/customers", ({ engine, params }) => {
    const id = params.string("id") ?? newId("cus");
    if (engine.state.customers.has(id)) {
      throw invalidParam("id", "Customer already exists.", "resource_already_exists");
    }
    const customer = newCustomer(engine, id);
    customer.preferred_locales = params.strings("preferred_locales");
    readProfile(params, customer);
    return storeCustomer(engine, customer);
  }),

  // GET /v1/customers – list customers, optionally by exact email
  route("GET", "/v1/customers", ({ engine, params }) => {
    const email = params.string("email");
    const customers = newestFirst(engine.state.customers.values()).filter(
      (customer) =>
        !engine.state.deletedCustomers.has(customer.id) &&
        (email === undefined || customer.email === email) &&
        matchesRange(customer.created, params),
    );
    return paginate(customers, params, "/v1/customers", "customer");
  }),

  // GET /v1/customers/:id – retrieve a customer (a deleted one answers `{ deleted: true }`)
  route("GET", "/v1/customers/:id", ({ engine, path }) => {
    const id = path.id ?? "";
    if (engine.state.deletedCustomers.has(id))
      return { id, object: "customer", deleted: true } satisfies DeletedObject;
    const customer = engine.state.customers.get(id);
    if (!customer) throw noSuch("customer", id);
    return customer;
  }),

  // DELETE /v1/customers/:id – delete a customer; Stripe cancels its subscriptions at once
  route("DELETE", "/v1/customers/:id", ({ engine, path }) => {
    const customer = engine.customer(path.id ?? "", "id");
    const now = engine.now();
    for (const subscription of engine.state.subscriptions.values()) {
      if (subscription.customer === customer.id && subscription.status !== "canceled") {
        endSubscription(engine, subscription, now, { finalUsageInvoice: false });
      }
    }
    engine.state.deletedCustomers.add(customer.id);
    engine.emit("customer.deleted", customer);
    return { id: customer.id, object: "customer", deleted: true } satisfies DeletedObject;
  }),
];
