/**
 * Stripe's v2 high-throughput meter event stream (https://docs.stripe.com/api/v2/billing-meter-stream):
 * a secret key opens a 15-minute session, and the session's token sends batches of up to 100 events,
 * answered `{}` at once. Stripe validates the events later and reports bad ones in meter error
 * reports; the sandbox checks them on arrival, records the good ones with the v1 events (so summaries
 * and invoices count both) and keeps the rest in `meterEventErrors`.
 */
import { randomBytes } from "node:crypto";
import { METER_EVENT_MAX_AGE, METER_EVENT_MAX_AHEAD } from "./api-catalog";
import { StripeV2ApiError, invalidV2Field } from "./errors";
import { newId } from "./ids";
import type { MeterEventSessionObject, MeterObject } from "./objects";
import type { SandboxEngine } from "./sandbox-engine";
import type { MeterEventErrorCode, MeterEventSessionRecord, SandboxState } from "./sandbox-state";

/** Session tokens start with this, so one is recognised wherever it is misused. */
export const SESSION_TOKEN_PREFIX = "mes_test_";
/** Stripe's session lifetime: 15 minutes. */
const SESSION_TTL = 15 * 60;
/** Expired sessions still answer "expired" (not "unknown") for this long, then are forgotten. */
const EXPIRED_SESSION_KEPT = 86_400;
const MAX_EVENTS = 100;
const MAX_IDENTIFIER = 100;
const EVENT_FIELDS: ReadonlySet<string> = new Set(["event_name", "identifier", "payload", "timestamp"]);
const RFC_3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
/** What Stripe takes as a usage value: an integer or a decimal, no exponent or hex. */
const NUMERIC = /^-?\d+(\.\d+)?$/;

/** A v2 API operation: who may call it and what it does with the JSON body. */
export interface V2Route {
  auth: "secret_key" | "meter_event_session";
  handler: (engine: SandboxEngine, body: unknown) => object;
}

/** A stream event after the request-level checks, before the ones Stripe makes asynchronously. */
interface StreamEvent {
  event_name: string;
  identifier: string | undefined;
  payload: Record<string, string>;
  timestamp: number | undefined;
}

const rfc3339 = (seconds: number) => new Date(seconds * 1000).toISOString();

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `POST /v2/billing/meter_event_session`: a token for the stream, valid 15 minutes of sandbox time. */
export function createMeterEventSession(engine: SandboxEngine, body: unknown): MeterEventSessionObject {
  if (body !== undefined && !(isRecord(body) && Object.keys(body).length === 0))
    throw invalidV2Field("Creating a meter event session takes no parameters.");
  const now = engine.now();
  const sessions = engine.state.meterEventSessions;
  // Insertion order is creation order: forget long-expired sessions from the front, O(1) amortised.
  for (const [token, session] of sessions) {
    if (session.expires_at + EXPIRED_SESSION_KEPT > now) break;
    sessions.delete(token);
  }
  const session: MeterEventSessionRecord = {
    id: newId("mesess_test", 24),
    authentication_token: `${SESSION_TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`,
    created: now,
    expires_at: now + SESSION_TTL,
  };
  sessions.set(session.authentication_token, session);
  return {
    id: session.id,
    object: "v2.billing.meter_event_session",
    authentication_token: session.authentication_token,
    created: rfc3339(session.created),
    expires_at: rfc3339(session.expires_at),
    livemode: false,
  };
}

/**
 * Checks the Bearer token of a stream request: only a live session's token is accepted (never a
 * secret key); an expired one answers what the SDK turns into TemporarySessionExpiredError.
 */
export function authenticateSessionToken(engine: SandboxEngine, token: string | undefined): void {
  if (!token) {
    throw new StripeV2ApiError(
      401,
      "invalid_request_error",
      "api_key_invalid",
      "You did not provide a meter event session token. Create a session with POST /v2/billing/meter_event_session and send its authentication_token as 'Authorization: Bearer <token>'.",
    );
  }
  const session = engine.state.meterEventSessions.get(token);
  if (!session) {
    throw new StripeV2ApiError(
      401,
      "invalid_request_error",
      "api_key_invalid",
      token.startsWith(SESSION_TOKEN_PREFIX)
        ? "Invalid meter event session token. Create a session with POST /v2/billing/meter_event_session."
        : "The meter event stream authenticates with a meter event session's authentication_token, not an API key. Create a session with POST /v2/billing/meter_event_session.",
    );
  }
  if (engine.now() >= session.expires_at) {
    throw new StripeV2ApiError(
      401,
      "temporary_session_expired",
      "billing_meter_event_session_expired",
      "The temporary session token has expired. Create a new meter event session.",
    );
  }
}

function parseStreamEvent(raw: unknown, at: string): StreamEvent {
  if (!isRecord(raw)) throw invalidV2Field(`${at} must be an object.`);
  for (const key of Object.keys(raw)) {
    if (!EVENT_FIELDS.has(key)) throw invalidV2Field(`${at}.${key} is not a field of a meter event.`);
  }
  const { event_name: eventName, identifier, payload, timestamp } = raw;
  if (typeof eventName !== "string" || eventName === "")
    throw invalidV2Field(`${at}.event_name is required and must be a string.`);
  if (
    identifier !== undefined &&
    (typeof identifier !== "string" || identifier === "" || identifier.length > MAX_IDENTIFIER)
  ) {
    throw invalidV2Field(`${at}.identifier must be a string of 1 to ${MAX_IDENTIFIER} characters.`);
  }
  if (!isRecord(payload)) throw invalidV2Field(`${at}.payload is required and must be an object.`);
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(payload)) {
    if (typeof value !== "string") throw invalidV2Field(`${at}.payload.${key} must be a string.`);
    values[key] = value;
  }
  let seconds: number | undefined;
  if (timestamp !== undefined) {
    const parsed = typeof timestamp === "string" && RFC_3339.test(timestamp) ? Date.parse(timestamp) : NaN;
    if (!Number.isFinite(parsed))
      throw invalidV2Field(`${at}.timestamp must be an RFC 3339 date-time (2026-03-10T12:00:00.000Z).`);
    seconds = Math.floor(parsed / 1000);
  }
  return {
    event_name: eventName,
    identifier: typeof identifier === "string" ? identifier : undefined,
    payload: values,
    timestamp: seconds,
  };
}

/** The whole request is refused (nothing recorded) when its shape is wrong, as Stripe does. */
function parseStreamBody(body: unknown): StreamEvent[] {
  if (!isRecord(body)) throw invalidV2Field("The request body must be a JSON object with `events`.");
  for (const key of Object.keys(body)) {
    if (key !== "events") throw invalidV2Field(`${key} is not a parameter of the meter event stream.`);
  }
  const { events } = body;
  if (!Array.isArray(events) || events.length === 0)
    throw invalidV2Field(`events is required: an array of 1 to ${MAX_EVENTS} meter events.`);
  if (events.length > MAX_EVENTS)
    throw invalidV2Field(
      `events holds ${events.length} meter events; a request takes at most ${MAX_EVENTS}.`,
    );
  return events.map((event, index) => parseStreamEvent(event, `events[${index}]`));
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
): { code: MeterEventErrorCode; message: string } | undefined {
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

/**
 * `POST /v2/billing/meter_event_stream`: records each event Stripe would count and drops the others
 * (meter event errors, reported in meter error reports). O(1) per event (map and set lookups), so
 * large batches stay cheap.
 */
export function recordStreamEvents(engine: SandboxEngine, body: unknown): Record<string, never> {
  const events = parseStreamBody(body);
  const { state } = engine;
  const now = engine.now();
  const meters = metersByEventName(state.meters.values());
  for (const event of events) {
    const identifier = event.identifier ?? newId("idmp", 24);
    const meter = meters.get(event.event_name);
    const timestamp = event.timestamp ?? now;
    const dropped = engine.meterEventIdentifierInUse(identifier)
      ? {
          code: "duplicate_meter_event" as const,
          message: `An event already exists with identifier ${identifier}.`,
        }
      : dropReason(state, event, meter, timestamp, now);
    if (dropped) {
      engine.dropMeterEvent({
        identifier,
        event_name: event.event_name,
        meter: meter?.id ?? null,
        ...dropped,
        at: now,
      });
      continue;
    }
    state.meterEvents.push({
      object: "billing.meter_event",
      created: now,
      event_name: event.event_name,
      identifier,
      livemode: false,
      payload: event.payload,
      timestamp,
    });
    engine.useMeterEventIdentifier(identifier);
  }
  return {};
}

/** The v2 operations the sandbox implements, by `METHOD path`. */
export const v2Routes: ReadonlyMap<string, V2Route> = new Map<string, V2Route>([
  ["POST /v2/billing/meter_event_session", { auth: "secret_key", handler: createMeterEventSession }],
  ["POST /v2/billing/meter_event_stream", { auth: "meter_event_session", handler: recordStreamEvents }],
]);
