/**
 * Billing meters (create, list, retrieve, rename, deactivate, reactivate), their event summaries,
 * and v1 meter events.
 */
import {
  METER_EVENT_MAX_AGE,
  METER_EVENT_MAX_AHEAD,
  dropReason,
  metersByEventName,
  recordMeterEvent,
} from "../engine/meter-events";
import { meteredValues, usage } from "../engine/meter-usage";
import type { SandboxEngine } from "../engine/sandbox-engine";
import { isAligned } from "../billing-math";
import { StripeApiError, invalidParam, missingParam, noSuch, unsupported } from "../errors";
import { derivedId, newId } from "../ids";
import { newestFirst, paginate } from "../lists";
import type { ListObject, MeterEventObject, MeterEventSummaryObject, MeterObject } from "../objects";
import type { Params } from "../params";
import { route, type ApiRoute } from "./route";

const DAY = 86_400;

/** A meter by id, or 404. */
export function meter(engine: SandboxEngine, id: string, param = "id"): MeterObject {
  const found = engine.state.meters.get(id);
  if (!found) throw noSuch("billing.meter", id, param);
  return found;
}

function meterSummaries(
  engine: SandboxEngine,
  target: MeterObject,
  params: Params,
): ListObject<MeterEventSummaryObject> {
  const customer = params.requiredString("customer");
  engine.customer(customer);
  const start = params.requiredInt("start_time");
  const end = params.requiredInt("end_time");
  const window = params.enum("value_grouping_window", ["hour", "day"] as const);
  for (const [name, value] of [
    ["start_time", start],
    ["end_time", end],
  ] as const) {
    if (!isAligned(value, "minute"))
      throw invalidParam(name, `${name} must be aligned with minute boundaries.`);
    if (window && !isAligned(value, window)) {
      throw invalidParam(
        name,
        `${name} must be aligned with ${window} boundaries when value_grouping_window is ${window}.`,
      );
    }
  }
  if (end <= start) throw invalidParam("end_time", "end_time must be after start_time.");
  const size = window === "hour" ? 3600 : window === "day" ? DAY : end - start;
  const summaries: MeterEventSummaryObject[] = [];
  for (let bucket = start; bucket < end; bucket += size) {
    const bucketEnd = Math.min(bucket + size, end);
    const values = meteredValues(engine, target, customer, bucket, bucketEnd);
    // Grouped windows list only the windows that had events; one window always answers.
    if (window && values.length === 0) continue;
    summaries.push({
      id: derivedId("mtrusg_test", target.id, customer, bucket, bucketEnd),
      object: "billing.meter_event_summary",
      aggregated_value: usage(engine, target, customer, bucket, bucketEnd),
      end_time: bucketEnd,
      livemode: false,
      meter: target.id,
      start_time: bucket,
    });
  }
  return paginate(
    summaries,
    params,
    `/v1/billing/meters/${target.id}/event_summaries`,
    "billing.meter_event_summary",
  );
}

export const meterRoutes: ApiRoute[] = [
  // POST /v1/billing/meters – create a meter
  route("POST", "/v1/billing/meters", ({ engine, params }) => {
    const eventName = params.requiredString("event_name");
    const aggregation = params.object("default_aggregation");
    if (!aggregation) throw missingParam("default_aggregation");
    const formula = aggregation.enum("formula", ["count", "sum", "last"] as const);
    if (!formula) throw missingParam("default_aggregation[formula]");
    if (
      [...engine.state.meters.values()].some(
        (existing) => existing.status === "active" && existing.event_name === eventName,
      )
    ) {
      throw invalidParam(
        "event_name",
        `An active meter with event_name \`${eventName}\` already exists.`,
        "resource_already_exists",
      );
    }
    const mapping = params.object("customer_mapping");
    if (mapping && mapping.string("type") !== undefined && mapping.string("type") !== "by_id") {
      throw invalidParam("customer_mapping[type]", "customer_mapping[type] must be by_id.");
    }
    if (params.has("event_time_window"))
      throw unsupported("Pre-aggregated meters (event_time_window)", "event_time_window");
    const now = engine.now();
    const created: MeterObject = {
      id: newId("mtr_test", 24),
      object: "billing.meter",
      created: now,
      customer_mapping: {
        event_payload_key: mapping?.string("event_payload_key") ?? "stripe_customer_id",
        type: "by_id",
      },
      default_aggregation: { formula },
      display_name: params.requiredString("display_name"),
      event_name: eventName,
      event_time_window: null,
      livemode: false,
      status: "active",
      status_transitions: { deactivated_at: null },
      updated: now,
      value_settings: {
        event_payload_key: params.object("value_settings")?.string("event_payload_key") ?? "value",
      },
    };
    engine.state.meters.set(created.id, created);
    engine.emit("billing.meter.created", created);
    return created;
  }),

  // GET /v1/billing/meters – list meters (status)
  route("GET", "/v1/billing/meters", ({ engine, params }) => {
    const status = params.enum("status", ["active", "inactive"] as const);
    const meters = newestFirst(engine.state.meters.values()).filter(
      (item) => status === undefined || item.status === status,
    );
    return paginate(meters, params, "/v1/billing/meters", "billing.meter");
  }),

  // GET /v1/billing/meters/:id – retrieve a meter
  route("GET", "/v1/billing/meters/:id", ({ engine, path }) => meter(engine, path.id ?? "")),

  // POST /v1/billing/meters/:id – update a meter's display name (the rest is immutable)
  route("POST", "/v1/billing/meters/:id", ({ engine, params, path }) => {
    const target = meter(engine, path.id ?? "");
    const displayName = params.string("display_name");
    if (displayName) target.display_name = displayName;
    target.updated = engine.now();
    engine.emit("billing.meter.updated", target);
    return target;
  }),

  // POST /v1/billing/meters/:id/deactivate – stop accepting events
  route("POST", "/v1/billing/meters/:id/deactivate", ({ engine, path }) => {
    const target = meter(engine, path.id ?? "");
    target.status = "inactive";
    target.status_transitions.deactivated_at = engine.now();
    target.updated = engine.now();
    engine.emit("billing.meter.deactivated", target);
    return target;
  }),

  // POST /v1/billing/meters/:id/reactivate – accept events again
  route("POST", "/v1/billing/meters/:id/reactivate", ({ engine, path }) => {
    const target = meter(engine, path.id ?? "");
    target.status = "active";
    target.status_transitions.deactivated_at = null;
    target.updated = engine.now();
    engine.emit("billing.meter.reactivated", target);
    return target;
  }),

  // GET /v1/billing/meters/:id/event_summaries – aggregated usage of a customer in a window
  route("GET", "/v1/billing/meters/:id/event_summaries", ({ engine, params, path }) =>
    meterSummaries(engine, meter(engine, path.id ?? ""), params),
  ),

  // POST /v1/billing/meter_events – record usage
  route("POST", "/v1/billing/meter_events", ({ engine, params }) => {
    const eventName = params.requiredString("event_name");
    const payload = params.object("payload");
    if (!payload) throw missingParam("payload");
    const values: Record<string, string> = {};
    for (const key of Object.keys(payload.raw)) values[key] = payload.requiredString(key);
    const now = engine.now();
    const timestamp = params.int("timestamp") ?? now;
    if (timestamp < now - METER_EVENT_MAX_AGE) {
      throw invalidParam(
        "timestamp",
        `The event timestamp cannot be more than 35 days in past. Expected a timestamp greater than or equal to ${now - METER_EVENT_MAX_AGE}.`,
        "timestamp_too_far_in_past",
      );
    }
    if (timestamp > now + METER_EVENT_MAX_AHEAD) {
      throw invalidParam(
        "timestamp",
        `The event timestamp cannot be more than 5 minutes in the future. Expected a timestamp less than or equal to ${now + METER_EVENT_MAX_AHEAD}.`,
        "timestamp_in_future",
      );
    }
    const identifier = params.string("identifier") ?? newId("idmp", 24);
    if (identifier.length > 100)
      throw invalidParam("identifier", "identifier must be at most 100 characters.");
    if (engine.meterEventIdentifierInUse(identifier)) {
      // Stripe's wording (no `code`), which reporters match to treat a resend as delivered.
      throw new StripeApiError(
        400,
        "invalid_request_error",
        `An event already exists with identifier ${identifier}.`,
        undefined,
        "identifier",
      );
    }
    const event: MeterEventObject = {
      object: "billing.meter_event",
      created: now,
      event_name: eventName,
      identifier,
      livemode: false,
      payload: values,
      timestamp,
    };
    // Stripe checks the meter and the customer after answering 200, and drops the event when they fail
    // (reported in a meter error report); so does the sandbox.
    const meter = metersByEventName(engine.state.meters.values()).get(eventName);
    recordMeterEvent(engine, event, meter, dropReason(engine.state, event, meter, timestamp, now));
    return event;
  }),
];
