/** What a meter counts for a customer in a window: the base of summaries and usage invoice lines. */
import { aggregate, type MeteredValue } from "../billing-math";
import type { MeterObject } from "../objects";
import type { SandboxEngine } from "./sandbox-engine";

/** Meter events of a meter for one customer with `start <= timestamp < end`. */
export function meteredValues(
  engine: SandboxEngine,
  meter: MeterObject,
  customer: string,
  start: number,
  end: number,
): MeteredValue[] {
  const customerKey = meter.customer_mapping.event_payload_key;
  const valueKey = meter.value_settings.event_payload_key;
  const values: MeteredValue[] = [];
  engine.state.meterEvents.forEach((event, sequence) => {
    if (event.event_name !== meter.event_name || event.payload[customerKey] !== customer) return;
    if (event.timestamp < start || event.timestamp >= end) return;
    const value = meter.default_aggregation.formula === "count" ? 1 : Number(event.payload[valueKey]);
    // Stripe drops events with a non-numeric value asynchronously (meter error reports).
    if (Number.isFinite(value)) values.push({ value, timestamp: event.timestamp, sequence });
  });
  return values;
}

/** The meter's aggregate (count, sum or last) of a customer's events in `[start, end)`. */
export function usage(
  engine: SandboxEngine,
  meter: MeterObject,
  customer: string,
  start: number,
  end: number,
): number {
  return aggregate(meter.default_aggregation.formula, meteredValues(engine, meter, customer, start, end));
}
