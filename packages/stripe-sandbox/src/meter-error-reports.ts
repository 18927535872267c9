/**
 * Stripe's meter error reports: meter events answered 200 and dropped while Stripe processed them are
 * reported as v2 events, `v1.billing.meter.error_report_triggered` per meter (or
 * `v1.billing.meter.no_meter_found` when the event named no meter), counting the errors per code with
 * a few sample errors whose `request.identifier` is the meter event's identifier
 * (https://docs.stripe.com/api/v2/core/events/event-types). An event destination receives them as thin
 * events (the event without `data`); `GET /v2/core/events/:id` returns the whole event.
 */
import { noSuch } from "./errors";
import { newId } from "./ids";
import type { MeterErrorReportData, ThinEventObject, V2EventObject } from "./objects";
import type { SandboxEngine } from "./engine/sandbox-engine";
import type { MeterEventErrorRecord } from "./sandbox-state";

const rfc3339 = (seconds: number) => new Date(seconds * 1000).toISOString();

function reportData(drops: readonly MeterEventErrorRecord[], samples: number): MeterErrorReportData {
  const byCode = new Map<string, MeterEventErrorRecord[]>();
  for (const drop of drops) {
    const group = byCode.get(drop.code);
    if (group) group.push(drop);
    else byCode.set(drop.code, [drop]);
  }
  const at = drops.map((drop) => drop.at);
  return {
    developer_message_summary:
      drops.length === 1 ? "There is 1 invalid event" : `There are ${drops.length} invalid events`,
    reason: {
      error_count: drops.length,
      error_types: [...byCode].map(([code, group]) => ({
        code,
        error_count: group.length,
        sample_errors: group.slice(0, samples).map((drop) => ({
          error_message: drop.message,
          request: { identifier: drop.identifier },
        })),
      })),
    },
    validation_start: rfc3339(Math.min(...at)),
    validation_end: rfc3339(Math.max(...at) + 1),
  };
}

/** The error report events of a set of drops: one per meter, one for the drops that named no meter. */
export function meterErrorReportEvents(
  drops: readonly MeterEventErrorRecord[],
  now: number,
  samples: number,
): V2EventObject[] {
  const byMeter = new Map<string | null, MeterEventErrorRecord[]>();
  for (const drop of drops) {
    const group = byMeter.get(drop.meter);
    if (group) group.push(drop);
    else byMeter.set(drop.meter, [drop]);
  }
  const base = {
    object: "v2.core.event",
    context: null,
    created: rfc3339(now),
    livemode: false,
    reason: null,
  } as const;
  return [...byMeter].map(([meter, group]): V2EventObject => {
    const data = reportData(group, samples);
    // Stripe's v2 event ids are long: `evt_test_` and 46 characters.
    const id = newId("evt_test", 46);
    return meter === null
      ? { ...base, id, type: "v1.billing.meter.no_meter_found", data }
      : {
          ...base,
          id,
          type: "v1.billing.meter.error_report_triggered",
          data,
          related_object: { id: meter, type: "billing.meter", url: `/v1/billing/meters/${meter}` },
        };
  });
}

/** The thin event an event destination receives for a v2 event: everything but `data`. */
export function thinEvent(event: V2EventObject): ThinEventObject {
  const thin: ThinEventObject = {
    id: event.id,
    object: event.object,
    context: event.context,
    created: event.created,
    livemode: event.livemode,
    reason: event.reason,
    type: event.type,
  };
  return event.type === "v1.billing.meter.error_report_triggered"
    ? { ...thin, related_object: event.related_object }
    : thin;
}

/** `GET /v2/core/events/:id`: the whole event, `data` included. */
export function retrieveV2Event(engine: SandboxEngine, id: string): V2EventObject {
  const event = engine.state.v2Events.get(id);
  if (!event) throw noSuch("v2.core.event", id, "id");
  return event;
}
