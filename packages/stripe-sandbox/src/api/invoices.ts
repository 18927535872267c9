/** Invoices: the list, and the preview of a subscription's next invoice. */
import { addInterval } from "../billing-math";
import type { InvoiceObject } from "../billing-objects";
import { buildInvoice, invoiceLines } from "../engine/invoices";
import type { SandboxEngine } from "../engine/sandbox-engine";
import { intervalOf, periodOf } from "../engine/subscriptions";
import { StripeApiError, missingParam, unsupported } from "../errors";
import { newId } from "../ids";
import { matchesRange, newestFirst, paginate } from "../lists";
import type { Params } from "../params";
import type { SubscriptionRecord } from "../sandbox-state";
import { route, type ApiRoute } from "./route";

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
  const { start, end } = periodOf(record);
  const { interval, count } = intervalOf(engine, record);
  const ending = record.cancel_at_period_end || (record.cancel_at !== null && record.cancel_at <= end);
  const nextEnd = addInterval(end, interval, count);
  const id = newId("upcoming_in");
  const lines = invoiceLines(engine, record, null, {
    ...(ending ? {} : { licensed: { start: end, end: nextEnd } }),
    usage: { start, end: Math.min(Math.max(now + 1, start), end) },
  });
  const preview = buildInvoice(engine, record, id, "upcoming", lines, { start, end }, end);
  preview.next_payment_attempt = end;
  return preview;
}

export const invoiceRoutes: ApiRoute[] = [
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
];
