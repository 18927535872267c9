/**
 * Which meter events count. v1 and the v2 stream both answer 200 and then drop, as Stripe does while
 * processing them, the events of no meter, an inactive meter, an unknown customer or a bad value;
 * those are kept in `meterEventErrors` for the next meter error report.
 */
import type { MeterEventObject, MeterObject } from "../objects";
import type { MeterEventErrorCode, SandboxState } from "../sandbox-state";
import type { SandboxEngine } from "./sandbox-engine";

const DAY = 86_400;
/** Stripe accepts meter events up to 35 days old and 5 minutes ahead (v1 and the v2 stream). */
export const METER_EVENT_MAX_AGE = 35 * DAY;
export const METER_EVENT_MAX_AHEAD = 300;
/** What Stripe takes as a usage value: an integer or a decimal, no exponent or hex. */
const NUMERIC = /^-?\d+(\.\d+)?$/;

/** Why an event does not count, with a meter error report's code. */
export interface DropReason {
  code: MeterEventErrorCode;
  message: string;
}

/** The meter of each event name: the active one when there is one (event names are unique among those). */
export function metersByEventName(meters: Iterable<MeterObject>): Map<string, MeterObject> {
  const byName = new Map<string, MeterObject>();
  for (const meter of meters) {
    const found = byName.get(meter.event_name);
    if (!found || (meter.status === "active" && found.status !== "active"))
      byName.set(meter.event_name, meter);
  }
  return byName;
}

/**
 * Why Stripe would drop an event while processing it (v1 and the stream alike: both answer 200 first);
 * undefined when it counts. The timestamp checks only drop stream events: v1 refuses those at once.
 */
export function dropReason(
  state: SandboxState,
  event: { event_name: string; payload: Record<string, string> },
  meter: MeterObject | undefined,
  timestamp: number,
  now: number,
): DropReason | undefined {
  if (!meter) return { code: "no_meter", message: `No meter has event_name \`${event.event_name}\`.` };
  if (meter.status !== "active")
    return {
      code: "archived_meter",
      message: `The meter ${meter.id} for \`${event.event_name}\` is inactive.`,
    };
  if (timestamp < now - METER_EVENT_MAX_AGE) {
    return {
      code: "timestamp_too_far_in_past",
      message: "The event timestamp cannot be more than 35 days in past.",
    };
  }
  if (timestamp > now + METER_EVENT_MAX_AHEAD) {
    return {
      code: "timestamp_in_future",
      message: "The event timestamp cannot be more than 5 minutes in the future.",
    };
  }
  const customerKey = meter.customer_mapping.event_payload_key;
  const customer = event.payload[customerKey];
  if (!customer) {
    return {
      code: "meter_event_no_customer_defined",
      message: `The payload has no \`${customerKey}\`, the key the meter maps customers by.`,
    };
  }
  if (!state.customers.has(customer) || state.deletedCustomers.has(customer))
    return { code: "meter_event_customer_not_found", message: `No such customer: '${customer}'.` };
  // A count meter counts events; only sum and last meters read the value.
  const valueKey = meter.value_settings.event_payload_key;
  const value = event.payload[valueKey];
  if (meter.default_aggregation.formula !== "count" && (value === undefined || !NUMERIC.test(value))) {
    return {
      code: "meter_event_invalid_value",
      message: `The payload's \`${valueKey}\` must be a number, as a string.`,
    };
  }
  return undefined;
}

/** Records an event that counts, or keeps one that does not for the next meter error report. */
export function recordMeterEvent(
  engine: SandboxEngine,
  event: MeterEventObject,
  meter: MeterObject | undefined,
  dropped: DropReason | undefined,
): void {
  if (dropped) {
    engine.dropMeterEvent({
      identifier: event.identifier,
      event_name: event.event_name,
      meter: meter?.id ?? null,
      ...dropped,
      at: event.created,
    });
    return;
  }
  engine.state.meterEvents.push(event);
  engine.useMeterEventIdentifier(event.identifier);
}
