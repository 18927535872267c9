/**
 * Customer Portal sessions. The hosted page (`/portal/{id}`) applies its buttons with
 * applyPortalAction, each the subscription update Stripe's portal makes.
 */
import { syncEntitlements } from "../engine/entitlements";
import {
  emitSubscriptionUpdated,
  endSubscription,
  periodOf,
  setCancelAt,
  switchPlan,
} from "../engine/subscriptions";
import type { SandboxEngine } from "../engine/sandbox-engine";
import type { PortalSessionObject } from "../billing-objects";
import { invalidParam, noSuch, unsupported } from "../errors";
import { newId } from "../ids";
import { route, type ApiRoute } from "./route";

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
    endSubscription(engine, record, engine.now(), { finalUsageInvoice: false });
    return;
  }
  const before = engine.subscription(record);
  if (action.kind === "cancel_at_period_end" || action.kind === "renew") {
    setCancelAt(engine, record, action.kind === "cancel_at_period_end" ? periodOf(record).end : null);
  } else {
    switchPlan(engine, record, action.price);
  }
  emitSubscriptionUpdated(engine, before, record);
  syncEntitlements(engine, [record.customer]);
}

export const billingPortalRoutes: ApiRoute[] = [
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
];
