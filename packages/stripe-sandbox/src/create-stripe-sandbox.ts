import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { billingRoutes } from "./api-billing";
import { catalogRoutes } from "./api-catalog";
import { customerRoutes } from "./api-customers";
import {
  SESSION_TOKEN_PREFIX,
  authenticateSessionToken,
  v2Routes,
  type V2Route,
} from "./api-meter-event-stream";
import { StripeApiError, StripeV2ApiError, invalidV2Field, unsupported } from "./errors";
import { expandResponse } from "./expand";
import { FormEncodingError, parseStripeForm, type FormObject } from "./form-encoding";
import { handleHostedPage } from "./hosted-pages";
import { newId } from "./ids";
import { retrieveV2Event, thinEvent } from "./meter-error-reports";
import type { ThinEventObject } from "./objects";
import { Params } from "./params";
import { matchRoute } from "@tollgate/local-http";
import type { ApiRoute } from "./api-route";
import { SandboxEngine, SANDBOX_API_VERSION } from "./sandbox-engine";
import { SandboxState, type MeterEventErrorRecord } from "./sandbox-state";
import { WebhookDispatcher, type DeliveryStats, type WebhookOptions } from "./webhooks";

const ROUTES: readonly ApiRoute[] = [...customerRoutes, ...catalogRoutes, ...billingRoutes];
const MAX_BODY = 1024 * 1024;
const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

/** Injected failures for testing clients' retries (500s and 429s, as Stripe answers under trouble). */
export interface FaultOptions {
  /** Probability (0..1) that an API request fails. */
  rate: number;
  /** Statuses to pick from; default [500, 429]. */
  statuses?: number[];
  /** Only requests whose path starts with this (e.g. `/v1/billing/meter_events`). */
  pathPrefix?: string;
  /**
   * "before" fails without effect; "after" applies the request, then answers 500 (a lost
   * response); "random" mixes both. Default "before".
   */
  when?: "before" | "after" | "random";
}

export interface StripeSandboxOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Origin used in hosted page URLs; default `http://localhost:{port}`. */
  publicUrl?: string;
  /** Only this secret key is accepted; default any `sk_test_`/`rk_test_` key. */
  apiKey?: string;
  /** Where to POST events (the app's `/api/stripe/webhook`); none: events are only recorded. */
  webhookUrl?: string;
  /** Signing secret; default a generated `whsec_...` (see `webhookSecret` on the result). */
  webhookSecret?: string;
  webhookRetryDelaysMs?: WebhookOptions["retryDelaysMs"];
  webhookOrder?: WebhookOptions["order"];
  webhookDuplicateRate?: number;
  webhookConcurrency?: number;
  /**
   * Where to POST thin events (the app's `/api/stripe/events`), as a Stripe event destination does:
   * meter error reports for meter events answered 200 and dropped later. None: only recorded.
   */
  eventDestinationUrl?: string;
  /** The event destination's signing secret; default a generated `whsec_...`. */
  eventDestinationSecret?: string;
  /** How long a meter event identifier stays taken, in sandbox seconds; default 86,400 (Stripe: at least 24 h). */
  meterEventIdentifierTtlSeconds?: number;
  /** Sample errors per code in a meter error report; default 5. */
  meterErrorSamples?: number;
  /** A JSON file that keeps everything across restarts (`.data/stripe/state.json`). */
  stateFile?: string;
  /** Current Unix time in seconds, before `advanceClock` offsets; default the wall clock. */
  now?: () => number;
  /** Runs once when the sandbox starts empty, e.g. to create a catalog through the SDK. */
  seed?: (sandbox: StripeSandbox) => Promise<void> | void;
  /** Log each API request to the console. */
  log?: boolean;
}

/** A running Stripe-compatible sandbox. */
export interface StripeSandbox {
  /** `http://localhost:{port}`, the `STRIPE_API_URL` the app uses. */
  url: string;
  port: number;
  webhookSecret: string;
  /** The event destination's signing secret (thin events). */
  eventDestinationSecret: string;
  state: SandboxState;
  engine: SandboxEngine;
  /** Sandbox time (Unix seconds). */
  now(): number;
  /**
   * Moves the sandbox clock forward: subscriptions renew (invoice paid, or failed when armed) or end
   * when set to cancel, with their webhooks.
   */
  advanceClock(seconds: number): Promise<{ now: number }>;
  /** Makes the next `count` charges fail (invoice.payment_failed, subscription past_due). */
  failNextPayment(count?: number): void;
  /** Injects API failures; `null` stops them. */
  setFaults(faults: FaultOptions | null): void;
  /** Retries every waiting webhook now and resolves when none is queued or in flight. */
  deliverPendingWebhooks(): Promise<DeliveryStats>;
  /** Resolves when no webhook is queued or in flight (waiting out retry delays). */
  webhooksIdle(): Promise<void>;
  readonly deliveries: DeliveryStats;
  /** Retries every waiting thin event now and resolves when none is queued or in flight. */
  deliverPendingEventNotifications(): Promise<DeliveryStats>;
  /** Resolves when no thin event is queued or in flight (waiting out retry delays). */
  eventNotificationsIdle(): Promise<void>;
  /** Deliveries to the event destination. */
  readonly eventDeliveries: DeliveryStats;
  /**
   * Meter event stream events dropped as Stripe drops them after answering 200 (no meter, unknown
   * customer, timestamp out of range, duplicate identifier, bad value), oldest first.
   */
  readonly meterEventErrors: readonly MeterEventErrorRecord[];
  /** Forgets all objects and events. */
  reset(): void;
  close(): Promise<void>;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "cache-control": "no-cache, no-store",
    ...headers,
  });
  res.end(JSON.stringify(body, null, 2));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new StripeApiError(413, "invalid_request_error", "Request body too large.");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The secret key of a request (Bearer, or Basic with the key as user as curl -u sends it). */
function apiKeyOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization ?? "";
  const [scheme = "", value = ""] = header.split(" ");
  if (scheme.toLowerCase() === "bearer") return value.trim() || undefined;
  if (scheme.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    return decoded.split(":")[0] || undefined;
  }
  return undefined;
}

function authenticate(req: IncomingMessage, expected: string | undefined): void {
  const key = apiKeyOf(req);
  if (!key) {
    throw new StripeApiError(
      401,
      "invalid_request_error",
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  }
  const masked = `${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;
  const valid = expected ? key === expected : /^(sk|rk)_test_\w+$/.test(key);
  if (!valid) {
    throw new StripeApiError(
      401,
      "invalid_request_error",
      key.startsWith(SESSION_TOKEN_PREFIX)
        ? "A meter event session token only authenticates POST /v2/billing/meter_event_stream; use your secret key."
        : key.startsWith("sk_live_") || key.startsWith("rk_live_")
          ? "The Stripe sandbox only accepts test mode keys."
          : `Invalid API Key provided: ${masked}`,
      "api_key_invalid",
    );
  }
}

/** Headers both API versions check the same way. */
function checkHeaders(req: IncomingMessage): void {
  const version = req.headers["stripe-version"];
  if (typeof version === "string" && !/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(version)) {
    throw new StripeApiError(
      400,
      "invalid_request_error",
      `Invalid Stripe API version: ${version}`,
      "api_version_invalid",
    );
  }
  if (typeof req.headers["stripe-account"] === "string") throw unsupported("Connect (Stripe-Account)");
}

/** Canonical JSON (sorted keys) so the same parameters in another order still match. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * Starts the sandbox on 127.0.0.1. The official SDK talks to it unchanged:
 *
 * @example
 * const sandbox = await createStripeSandbox({ webhookUrl: "http://localhost:3000/api/stripe/webhook" });
 * const stripe = new Stripe("sk_test_tollgate_local", { host: "127.0.0.1", port: sandbox.port, protocol: "http" });
 * await stripe.customers.create({ email: "ada@example.com" });
 * await sandbox.close();
 */
export async function createStripeSandbox(options: StripeSandboxOptions = {}): Promise<StripeSandbox> {
  const state = new SandboxState(options.stateFile);
  const webhookSecret = options.webhookSecret ?? `whsec_${randomBytes(24).toString("hex")}`;
  const webhooks = new WebhookDispatcher(
    {
      url: options.webhookUrl,
      secret: webhookSecret,
      retryDelaysMs: options.webhookRetryDelaysMs,
      order: options.webhookOrder,
      duplicateRate: options.webhookDuplicateRate,
      concurrency: options.webhookConcurrency,
    },
    (id) => state.events.get(id),
  );
  const eventDestinationSecret = options.eventDestinationSecret ?? `whsec_${randomBytes(24).toString("hex")}`;
  const eventDestination = new WebhookDispatcher<ThinEventObject>(
    {
      url: options.eventDestinationUrl,
      secret: eventDestinationSecret,
      retryDelaysMs: options.webhookRetryDelaysMs,
    },
    (id) => {
      const event = state.v2Events.get(id);
      return event && thinEvent(event);
    },
  );
  const engine = new SandboxEngine(state, {
    now: options.now,
    onEvent: (event) => webhooks.enqueue(event),
    onV2Event: (event) => eventDestination.enqueue(thinEvent(event)),
    meterEventIdentifierTtl: options.meterEventIdentifierTtlSeconds,
    meterErrorSamples: options.meterErrorSamples,
  });
  let faults: FaultOptions | null = null;
  let baseUrl = "";

  // Saving is debounced: a burst of meter events writes the file once.
  let saveTimer: NodeJS.Timeout | undefined;
  const save = () => {
    state.pendingWebhooks = webhooks.pendingEventIds();
    state.pendingEventNotifications = eventDestination.pendingEventIds();
    state.save();
  };
  const scheduleSave = () => {
    if (!options.stateFile || saveTimer) return;
    saveTimer = setTimeout(() => {
      saveTimer = undefined;
      save();
    }, 200);
    saveTimer.unref();
  };

  /**
   * Runs a state change with the clock caught up first, then reports the meter events it dropped (as
   * Stripe reports them after answering) and saves.
   */
  const mutate = <T>(action: () => T): T => {
    engine.processClock();
    try {
      return action();
    } finally {
      engine.reportMeterErrors();
      scheduleSave();
    }
  };

  const advanceClock = async (seconds: number) => {
    if (!Number.isFinite(seconds) || seconds < 0)
      throw new Error("advanceClock takes a non-negative number of seconds");
    state.clockOffset += Math.floor(seconds);
    mutate(() => undefined);
    return { now: engine.now() };
  };

  function pickFault(pathname: string): { status: number; after: boolean } | undefined {
    if (!faults || Math.random() >= faults.rate) return undefined;
    if (faults.pathPrefix && !pathname.startsWith(faults.pathPrefix)) return undefined;
    const statuses = faults.statuses ?? [500, 429];
    const status = statuses[Math.floor(Math.random() * statuses.length)] ?? 500;
    const when = faults.when ?? "before";
    const after = status >= 500 && (when === "after" || (when === "random" && Math.random() < 0.5));
    return { status, after };
  }

  function faultError(status: number): StripeApiError {
    return status === 429
      ? new StripeApiError(
          429,
          "invalid_request_error",
          "Request rate limit exceeded. (injected by the sandbox)",
          "rate_limit",
        )
      : new StripeApiError(status, "api_error", "An unknown error occurred. (injected by the sandbox)");
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const requestId = newId("req");
    const method = req.method ?? "GET";
    const headers: Record<string, string> = {
      "request-id": requestId,
      "stripe-version": SANDBOX_API_VERSION,
    };
    const idempotencyKey =
      method === "POST" ? ((req.headers["idempotency-key"] as string | undefined) ?? null) : null;
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
    let fingerprint = "";
    try {
      authenticate(req, options.apiKey);
      checkHeaders(req);
      const body = method === "GET" ? "" : await readBody(req);
      const contentType = req.headers["content-type"] ?? "";
      if (body && !contentType.includes("application/x-www-form-urlencoded")) {
        throw new StripeApiError(
          400,
          "invalid_request_error",
          "Invalid request: v1 endpoints take application/x-www-form-urlencoded bodies.",
        );
      }
      let raw: FormObject;
      try {
        raw = parseStripeForm(body ? body : url.search.slice(1));
      } catch (error) {
        if (error instanceof FormEncodingError) {
          throw new StripeApiError(
            400,
            "invalid_request_error",
            error.message,
            "parameter_invalid",
            error.param,
          );
        }
        throw error;
      }
      if (idempotencyKey) {
        fingerprint = canonical({ method, path: url.pathname, raw });
        const stored = state.idempotency.get(idempotencyKey);
        if (stored && Date.now() - stored.storedAt < IDEMPOTENCY_TTL_MS) {
          if (stored.fingerprint !== fingerprint) {
            throw new StripeApiError(
              400,
              "idempotency_error",
              `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            );
          }
          sendJson(res, stored.status, stored.body, { ...headers, "idempotent-replayed": "true" });
          return;
        }
      }
      const found = matchRoute(ROUTES, method, url.pathname);
      if (!found) {
        throw new StripeApiError(
          404,
          "invalid_request_error",
          `Unrecognized request URL (${method}: ${url.pathname}). The Tollgate Stripe sandbox implements the subset listed in packages/stripe-sandbox/README.md.`,
        );
      }
      const fault = pickFault(url.pathname);
      if (fault && !fault.after) throw faultError(fault.status);
      const params = new Params(raw);
      engine.request = { id: method === "GET" ? null : requestId, idempotencyKey };
      let result: object;
      try {
        const run = () => found.route.handler({ engine, params, path: found.path, baseUrl });
        // Reads catch the clock up too (a renewal is due the moment its period ends) but save nothing.
        if (method === "GET") {
          engine.processClock();
          result = run();
        } else {
          result = mutate(run);
        }
      } finally {
        engine.request = { id: null, idempotencyKey: null };
      }
      const response = structuredClone(expandResponse(engine, result, params.strings("expand")));
      if (fault?.after) {
        const error = faultError(fault.status);
        if (idempotencyKey) {
          state.idempotency.set(idempotencyKey, {
            fingerprint,
            status: error.status,
            body: error.toBody(),
            storedAt: Date.now(),
          });
        }
        throw error;
      }
      if (idempotencyKey)
        state.idempotency.set(idempotencyKey, {
          fingerprint,
          status: 200,
          body: response,
          storedAt: Date.now(),
        });
      if (options.log) console.log(`[stripe] ${method} ${url.pathname} 200`);
      sendJson(res, 200, response, headers);
    } catch (error) {
      if (!(error instanceof StripeApiError)) {
        console.error("[stripe] unexpected error", error);
        sendJson(
          res,
          500,
          new StripeApiError(500, "api_error", "An unexpected error occurred in the sandbox.").toBody(),
          headers,
        );
        return;
      }
      // Stripe saves results of requests that ran (a card decline); not of rejected parameters.
      if (idempotencyKey && fingerprint && error.status === 402) {
        state.idempotency.set(idempotencyKey, {
          fingerprint,
          status: error.status,
          body: error.toBody(),
          storedAt: Date.now(),
        });
      }
      if (options.log) console.log(`[stripe] ${method} ${url.pathname} ${error.status} ${error.message}`);
      const extra: Record<string, string> =
        error.status === 429 || error.status >= 500 ? {} : { "stripe-should-retry": "false" };
      sendJson(res, error.status, error.toBody(), { ...headers, ...extra });
    }
  }

  /**
   * `/v2/*`: JSON bodies, v2 error bodies, and v2 idempotency: a key replays a success (so a retry
   * after a lost response records nothing twice) but not a failure, which the retry runs again
   * (https://docs.stripe.com/api-v2-overview#idempotency).
   */
  async function handleApiV2(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    const headers: Record<string, string> = {
      "request-id": newId("req"),
      "stripe-version": SANDBOX_API_VERSION,
    };
    const idempotencyKey =
      method === "POST" ? ((req.headers["idempotency-key"] as string | undefined) ?? null) : null;
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
    try {
      const eventId = method === "GET" ? /^\/v2\/core\/events\/([^/]+)$/.exec(url.pathname)?.[1] : undefined;
      const found: V2Route | undefined =
        eventId === undefined
          ? v2Routes.get(`${method} ${url.pathname}`)
          : { auth: "secret_key", handler: (target) => retrieveV2Event(target, decodeURIComponent(eventId)) };
      if (found?.auth === "meter_event_session") authenticateSessionToken(engine, apiKeyOf(req));
      else {
        authenticate(req, options.apiKey);
        // Stripe's v2 APIs take secret keys only (https://docs.stripe.com/api-v2-overview); the
        // status and code are the sandbox's own.
        if (apiKeyOf(req)?.startsWith("rk_")) {
          throw new StripeV2ApiError(
            403,
            "invalid_request_error",
            "restricted_key_not_supported",
            "Restricted API keys cannot be used with v2 APIs. Use a secret key.",
          );
        }
      }
      checkHeaders(req);
      if (!found) {
        throw new StripeV2ApiError(
          404,
          "invalid_request_error",
          "not_found",
          `Unrecognized request URL (${method}: ${url.pathname}). The Tollgate Stripe sandbox implements the subset listed in packages/stripe-sandbox/README.md.`,
        );
      }
      const text = await readBody(req);
      if (text && !(req.headers["content-type"] ?? "").includes("application/json"))
        throw invalidV2Field("v2 endpoints take application/json bodies.");
      let body: unknown;
      try {
        body = text ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        throw invalidV2Field("The request body is not valid JSON.");
      }
      // Hashed: a batch of 100 events would otherwise keep a 15 kB fingerprint in the state file.
      const fingerprint = idempotencyKey
        ? createHash("sha256")
            .update(canonical({ method, path: url.pathname, body }))
            .digest("base64url")
        : "";
      if (idempotencyKey) {
        const stored = state.idempotency.get(idempotencyKey);
        if (stored && Date.now() - stored.storedAt < IDEMPOTENCY_TTL_MS) {
          if (stored.fingerprint !== fingerprint) {
            throw new StripeV2ApiError(
              400,
              "idempotency_error",
              "idempotency_key_in_use",
              `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
            );
          }
          sendJson(res, stored.status, stored.body, { ...headers, "idempotent-replayed": "true" });
          return;
        }
      }
      const fault = pickFault(url.pathname);
      if (fault && !fault.after) throw faultError(fault.status);
      let result: object;
      if (method === "GET") {
        engine.processClock();
        result = found.handler(engine, body);
      } else {
        result = mutate(() => found.handler(engine, body));
      }
      if (idempotencyKey)
        state.idempotency.set(idempotencyKey, {
          fingerprint,
          status: 200,
          body: result,
          storedAt: Date.now(),
        });
      if (fault?.after) throw faultError(fault.status);
      if (options.log) console.log(`[stripe] ${method} ${url.pathname} 200`);
      sendJson(res, 200, result, headers);
    } catch (caught) {
      const error =
        caught instanceof StripeV2ApiError
          ? caught
          : caught instanceof StripeApiError
            ? StripeV2ApiError.from(caught)
            : undefined;
      if (!error) {
        console.error("[stripe] unexpected error", caught);
        const unexpected = new StripeV2ApiError(
          500,
          "api_error",
          undefined,
          "An unexpected error occurred in the sandbox.",
        );
        sendJson(res, 500, unexpected.toBody(), headers);
        return;
      }
      if (options.log) console.log(`[stripe] ${method} ${url.pathname} ${error.status} ${error.message}`);
      const extra: Record<string, string> =
        error.status === 429 || error.status >= 500 ? {} : { "stripe-should-retry": "false" };
      sendJson(res, error.status, error.toBody(), { ...headers, ...extra });
    }
  }

  async function readAdminBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const text = await readBody(req);
    if (!text) return {};
    if ((req.headers["content-type"] ?? "").includes("application/json"))
      return JSON.parse(text) as Record<string, unknown>;
    return Object.fromEntries(new URLSearchParams(text));
  }

  /** `/_sandbox/*`: the clock and failed payments for browser tests and people (loopback only, no key needed). */
  async function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = `${req.method} ${url.pathname}`;
    const body = req.method === "POST" ? await readAdminBody(req) : {};
    switch (route) {
      case "GET /_sandbox/clock":
        return sendJson(res, 200, { now: engine.now(), offset: state.clockOffset });
      case "POST /_sandbox/advance": {
        const seconds = Number(body.seconds ?? 0) + Number(body.days ?? 0) * 86_400;
        if (!Number.isFinite(seconds) || seconds < 0)
          return sendJson(res, 400, { error: "seconds must be a non-negative number" });
        return sendJson(res, 200, await advanceClock(seconds));
      }
      case "POST /_sandbox/fail_next_payment":
        state.failNextPayments += Number(body.count ?? 1);
        scheduleSave();
        return sendJson(res, 200, { fail_next_payments: state.failNextPayments });
      default:
        return sendJson(res, 404, { error: `no admin route ${route}` });
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sandbox.invalid");
    try {
      if (url.pathname.startsWith("/v1/")) return await handleApi(req, res, url);
      if (url.pathname.startsWith("/v2/")) return await handleApiV2(req, res, url);
      if (url.pathname.startsWith("/_sandbox/")) return await handleAdmin(req, res, url);
      if (await handleHostedPage(engine, req, res, url.pathname, mutate)) return;
      sendJson(res, 404, {
        error: {
          type: "invalid_request_error",
          message: `Unrecognized request URL (${req.method}: ${url.pathname}).`,
        },
      });
    } catch (error) {
      console.error("[stripe] unexpected error", error);
      if (!res.headersSent)
        sendJson(res, 500, { error: { type: "api_error", message: "unexpected sandbox error" } });
      else res.destroy();
    }
  }

  state.load();
  // Bind to loopback only: the keys are public test values.
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = (options.publicUrl ?? `http://localhost:${port}`).replace(/\/$/, "");
  for (const id of state.pendingWebhooks) {
    const event = state.events.get(id);
    if (event) webhooks.enqueue(event);
  }
  for (const id of state.pendingEventNotifications) {
    const event = state.v2Events.get(id);
    if (event) eventDestination.enqueue(thinEvent(event));
  }
  // Catch up with time that passed while the sandbox was stopped.
  mutate(() => undefined);

  const sandbox: StripeSandbox = {
    url: baseUrl,
    port,
    webhookSecret,
    eventDestinationSecret,
    state,
    engine,
    now: () => engine.now(),
    advanceClock,
    failNextPayment: (count = 1) => {
      state.failNextPayments += count;
      scheduleSave();
    },
    setFaults: (next) => {
      faults = next;
    },
    deliverPendingWebhooks: async () => {
      await webhooks.flush();
      return webhooks.stats;
    },
    webhooksIdle: () => webhooks.idle(),
    get deliveries() {
      return webhooks.stats;
    },
    deliverPendingEventNotifications: async () => {
      await eventDestination.flush();
      return eventDestination.stats;
    },
    eventNotificationsIdle: () => eventDestination.idle(),
    get eventDeliveries() {
      return eventDestination.stats;
    },
    get meterEventErrors() {
      return state.meterEventErrors;
    },
    reset: () => {
      state.clear();
      scheduleSave();
    },
    close: async () => {
      if (saveTimer) clearTimeout(saveTimer);
      saveTimer = undefined;
      await Promise.all([webhooks.close(), eventDestination.close()]);
      if (options.stateFile) save();
      await new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
    },
  };
  if (options.seed && state.products.size === 0 && state.customers.size === 0) await options.seed(sandbox);
  return sandbox;
}
