/**
 * Stripe's v2 high-throughput meter event stream (https://docs.stripe.com/api/v2/billing-meter-stream):
 * a secret key opens a 15-minute session, and the session's token sends batches of up to 100 events,
 * answered `{}` at once. Stripe validates the events later and reports bad ones in meter error
 * reports; the sandbox checks them on arrival, records the good ones with the v1 events (so summaries
 * and invoices count both) and keeps the rest in `meterEventErrors`.
 */
import { randomBytes } from "node:crypto";
import { dropReason, metersByEventName, recordMeterEvent } from "../engine/meter-events";
import type { SandboxEngine } from "../engine/sandbox-engine";
import { StripeV2ApiError, invalidV2Field } from "../errors";
import { newId } from "../ids";
import type { MeterEventSessionObject } from "../objects";
import type { MeterEventSessionRecord } from "../sandbox-state";
import { route, type V2Route } from "./route";

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
    recordMeterEvent(
      engine,
      {
        object: "billing.meter_event",
        created: now,
        event_name: event.event_name,
        identifier,
        livemode: false,
        payload: event.payload,
        timestamp,
      },
      meter,
      dropped,
    );
  }
  return {};
}

export const meterEventStreamRoutes: V2Route[] = [
  // POST /v2/billing/meter_event_session – a token for the stream (secret keys only)
  route("POST", "/v2/billing/meter_event_session", { auth: "secret_key", handler: createMeterEventSession }),
  // POST /v2/billing/meter_event_stream – up to 100 events, authenticated by a session's token
  route("POST", "/v2/billing/meter_event_stream", {
    auth: "meter_event_session",
    handler: recordStreamEvents,
  }),
];
