/**
 * Starts the sandbox: its state, engine and webhook dispatchers, and an HTTP server that routes
 * `/v1`, `/v2`, `/_sandbox` and the hosted pages to their handlers (server/).
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { billingPortalRoutes } from "./api/billing-portal";
import { checkoutRoutes } from "./api/checkout";
import { couponRoutes } from "./api/coupons-and-promotion-codes";
import { customerRoutes } from "./api/customers";
import { eventRoutes, v2EventRoutes } from "./api/events";
import { featureRoutes } from "./api/features-and-entitlements";
import { invoiceRoutes } from "./api/invoices";
import { meterEventStreamRoutes } from "./api/meter-event-stream";
import { meterRoutes } from "./api/meters";
import { priceRoutes } from "./api/prices";
import { productRoutes } from "./api/products";
import type { ApiRoute, V2Route } from "./api/route";
import { subscriptionRoutes } from "./api/subscriptions";
import { SandboxEngine } from "./engine/sandbox-engine";
import { advanceSubscriptions } from "./engine/subscriptions";
import { thinEvent } from "./meter-error-reports";
import type { ThinEventObject } from "./objects";
import { SandboxState, type MeterEventErrorRecord } from "./sandbox-state";
import { handleAdmin } from "./server/admin";
import { Faults, type FaultOptions } from "./server/faults";
import { handleHostedPage } from "./server/hosted-pages";
import { sendJson, type SandboxContext } from "./server/http";
import { handleV1 } from "./server/v1";
import { handleV2 } from "./server/v2";
import { WebhookDispatcher, type DeliveryStats, type WebhookOptions } from "./webhooks";

export type { FaultOptions } from "./server/faults";

const V1_ROUTES: readonly ApiRoute[] = [
  ...customerRoutes,
  ...productRoutes,
  ...priceRoutes,
  ...featureRoutes,
  ...meterRoutes,
  ...couponRoutes,
  ...checkoutRoutes,
  ...billingPortalRoutes,
  ...subscriptionRoutes,
  ...invoiceRoutes,
  ...eventRoutes,
];
const V2_ROUTES: readonly V2Route[] = [...meterEventStreamRoutes, ...v2EventRoutes];

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
  /** Runs once when the sandbox starts empty, e.g. to create products and prices through the SDK. */
  seed?: (sandbox: StripeSandbox) => Promise<void> | void;
  /** Log each API request to the console. */
  log?: boolean;
}
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
  const faults = new Faults();

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

  const read = <T>(action: () => T): T => {
    advanceSubscriptions(engine);
    return action();
  };
  const mutate = <T>(action: () => T): T => {
    advanceSubscriptions(engine);
    try {
      return action();
    } finally {
      engine.reportMeterErrors();
      scheduleSave();
    }
  };

  state.load();
  // Bind to loopback only: the keys are public test values.
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const baseUrl = (options.publicUrl ?? `http://localhost:${port}`).replace(/\/$/, "");
  const context: SandboxContext = {
    engine,
    apiKey: options.apiKey,
    baseUrl,
    faults,
    log: options.log ?? false,
    read,
    mutate,
  };
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
    advanceClock: async (seconds) => {
      if (!Number.isFinite(seconds) || seconds < 0)
        throw new Error("advanceClock takes a non-negative number of seconds");
      state.clockOffset += Math.floor(seconds);
      mutate(() => undefined);
      return { now: engine.now() };
    },
    failNextPayment: (count = 1) => {
      state.failNextPayments += count;
      scheduleSave();
    },
    setFaults: (next) => faults.set(next),
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

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://sandbox.invalid");
    try {
      if (url.pathname.startsWith("/v1/")) return await handleV1(context, V1_ROUTES, req, res, url);
      if (url.pathname.startsWith("/v2/")) return await handleV2(context, V2_ROUTES, req, res, url);
      if (url.pathname.startsWith("/_sandbox/")) return await handleAdmin(sandbox, req, res, url);
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
  server.on("request", (req: IncomingMessage, res: ServerResponse) => void handle(req, res));

  if (options.seed && state.products.size === 0 && state.customers.size === 0) await options.seed(sandbox);
  return sandbox;
}
