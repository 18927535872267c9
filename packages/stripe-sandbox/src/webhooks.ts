/**
 * Webhook delivery like `stripe listen --forward-to`: each event POSTed as JSON to one URL with a
 * `Stripe-Signature` header, retried with backoff on a non-2xx answer or a connection error.
 * Signature scheme (https://docs.stripe.com/webhooks#verify-manually): `t=<unix>,v1=<hex>` where
 * v1 = HMAC-SHA256(secret, `${t}.${body}`), the secret used as-is (including `whsec_`).
 */
import { createHmac } from "node:crypto";

/** Signs a payload as Stripe does; `timestamp` in Unix seconds. */
export function signPayload(payload: string, secret: string, timestamp: number): string {
  const signature = createHmac("sha256", secret).update(`${timestamp}.${payload}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${signature}`;
}

export interface WebhookOptions {
  /** Where events go; none: events are only recorded (`/v1/events`). */
  url?: string;
  secret: string;
  /** Waits before each retry; attempts = length + 1. Default ≈ 30 s over 5 attempts. */
  retryDelaysMs?: readonly number[];
  /**
   * "in-order" (default) delivers one at a time in creation order; "shuffled" picks a random due
   * event each time, as Stripe, which never promised ordering, may.
   */
  order?: "in-order" | "shuffled";
  /** Probability (0..1) that a delivered event is delivered again (Stripe delivers at least once). */
  duplicateRate?: number;
  /** Deliveries in flight at once; > 1 gives up ordering. Default 1. */
  concurrency?: number;
  /** Per-attempt timeout. Default 10 s. */
  timeoutMs?: number;
}

/** One attempt, for tests and the console. */
export interface DeliveryAttempt {
  event: string;
  type: string;
  attempt: number;
  status: number | null;
  error?: string;
  at: number;
}

/** Counters of webhook delivery. */
export interface DeliveryStats {
  attempts: number;
  succeeded: number;
  failed: number;
  /** Events given up on after the last retry. */
  exhausted: number;
  duplicated: number;
  pending: number;
  /** The most recent attempts, oldest first (at most 500). */
  log: DeliveryAttempt[];
}

interface QueueEntry {
  eventId: string;
  attempt: number;
  dueAt: number;
  duplicate: boolean;
}

export const DEFAULT_RETRY_DELAYS_MS = [1_000, 3_000, 7_000, 19_000] as const;

/**
 * What a dispatcher delivers: a v1 event (whose `pending_webhooks` it keeps up to date) or a v2 thin
 * event notification, sent as it is.
 */
export interface DeliverableEvent {
  id: string;
  type: string;
  pending_webhooks?: number;
}

export class WebhookDispatcher<E extends DeliverableEvent = DeliverableEvent> {
  readonly stats: DeliveryStats = {
    attempts: 0,
    succeeded: 0,
    failed: 0,
    exhausted: 0,
    duplicated: 0,
    pending: 0,
    log: [],
  };
  private readonly queue: QueueEntry[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(
    private readonly options: WebhookOptions,
    private readonly getEvent: (id: string) => E | undefined,
  ) {}

  get enabled(): boolean {
    return Boolean(this.options.url);
  }

  /** Queues an event for delivery (no-op without a URL). */
  enqueue(event: E): void {
    if (!this.options.url || this.closed) return;
    if (event.pending_webhooks !== undefined) event.pending_webhooks = 1;
    this.queue.push({ eventId: event.id, attempt: 0, dueAt: 0, duplicate: false });
    this.stats.pending = this.queue.length + this.inFlight;
    this.pump();
  }

  /** Ids of events still waiting (for the state file). */
  pendingEventIds(): string[] {
    return this.queue.filter((entry) => !entry.duplicate).map((entry) => entry.eventId);
  }

  /** Makes every waiting retry due now and resolves when nothing is queued or in flight. */
  async flush(): Promise<void> {
    for (const entry of this.queue) entry.dueAt = 0;
    this.pump();
    await this.idle();
  }

  /** Resolves when nothing is queued or in flight (retries included). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops scheduling and waits for attempts in flight; what is left stays in `pendingEventIds()`. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private settle(): void {
    if (this.closed) return;
    this.stats.pending = this.queue.length + this.inFlight;
    if (this.queue.length === 0 && this.inFlight === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private pump(): void {
    if (this.closed) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const concurrency = Math.max(1, this.options.concurrency ?? 1);
    while (this.inFlight < concurrency) {
      const now = Date.now();
      const due = this.queue.filter((entry) => entry.dueAt <= now);
      if (due.length === 0) break;
      const entry =
        this.options.order === "shuffled"
          ? (due[Math.floor(Math.random() * due.length)] as QueueEntry)
          : (due[0] as QueueEntry);
      this.queue.splice(this.queue.indexOf(entry), 1);
      this.inFlight += 1;
      void this.attempt(entry).finally(() => {
        this.inFlight -= 1;
        this.pump();
        this.settle();
      });
    }
    if (this.queue.length > 0 && this.inFlight < concurrency) {
      const next = Math.min(...this.queue.map((entry) => entry.dueAt));
      this.timer = setTimeout(() => this.pump(), Math.max(0, next - Date.now()));
      this.timer.unref();
    }
    this.settle();
  }

  private async attempt(entry: QueueEntry): Promise<void> {
    const event = this.getEvent(entry.eventId);
    const url = this.options.url;
    if (!event || !url) return;
    entry.attempt += 1;
    // Stripe sends pretty-printed JSON; handlers must verify the exact bytes, never re-serialize.
    const payload = JSON.stringify(event, null, 2);
    // The signature uses the wall clock, not the sandbox clock: receivers check it against theirs.
    const header = signPayload(payload, this.options.secret, Math.floor(Date.now() / 1000));
    let status: number | null = null;
    let error: string | undefined;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
          "stripe-signature": header,
        },
        body: payload,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    }
    this.stats.attempts += 1;
    this.stats.log.push({
      event: event.id,
      type: event.type,
      attempt: entry.attempt,
      status,
      ...(error ? { error } : {}),
      at: Date.now(),
    });
    if (this.stats.log.length > 500) this.stats.log.splice(0, this.stats.log.length - 500);
    if (status !== null && status >= 200 && status < 300) {
      this.stats.succeeded += 1;
      if (event.pending_webhooks !== undefined) event.pending_webhooks = 0;
      if (!entry.duplicate && Math.random() < (this.options.duplicateRate ?? 0)) {
        this.stats.duplicated += 1;
        this.queue.push({ eventId: event.id, attempt: 0, dueAt: 0, duplicate: true });
      }
      return;
    }
    this.stats.failed += 1;
    const delays = this.options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    const delay = delays[entry.attempt - 1];
    if (this.closed) {
      // Shutting down: keep it pending for the state file rather than giving up.
      this.queue.push(entry);
      return;
    }
    if (delay === undefined) {
      this.stats.exhausted += 1;
      console.warn(
        `[stripe] gave up delivering ${event.type} ${event.id} after ${entry.attempt} attempts (${status ?? error})`,
      );
      return;
    }
    this.queue.push({ ...entry, dueAt: Date.now() + delay });
  }
}
