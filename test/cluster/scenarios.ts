/**
 * What must hold across instances, as runnable scenarios against a cluster (test/cluster/cluster.ts):
 * each drives real HTTP traffic through the balancer or at chosen instances and returns what it
 * measured. The multi-instance tests assert on the results; `npm run bench -- scale` records them.
 */
import type Stripe from "stripe";
import { API_CALLS_METER } from "@/product/operations";
import type { Cluster } from "./cluster";

/** 2xx answers served per customer id: what Stripe's meter must end up holding. */
export type Served = Map<string, number>;

export function countServed(served: Served, customerId: string, status: number): void {
  if (status >= 200 && status < 300) served.set(customerId, (served.get(customerId) ?? 0) + 1);
}

/** One metered call (GET /api/v1/widgets, 1 unit) with a bearer token. */
export function listWidgets(baseUrl: string, token: string): Promise<Response> {
  return fetch(`${baseUrl}/api/v1/widgets?limit=1`, { headers: { authorization: `Bearer ${token}` } });
}

/** One metered write (POST /api/v1/widgets, 1 unit): 402 on Free, 201 on a paid plan. */
export function createWidget(baseUrl: string, token: string): Promise<Response> {
  return fetch(`${baseUrl}/api/v1/widgets`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "cluster widget", size_cm: 3 }),
  });
}

async function problemType(response: Response): Promise<string> {
  const body = (await response.json().catch(() => ({}))) as { type?: unknown };
  return typeof body.type === "string" ? body.type.replace("https://tollgate.dev/problems/", "") : "";
}

export interface CapResult {
  cap: number;
  remaining: number;
  admitted: number;
  /** Refusals by problem type (rate-limited, quota-exceeded) or status. */
  refused: Record<string, number>;
  /** Calls admitted beyond what the cap left: must be 0. */
  overshoot: number;
}

/**
 * A burst of concurrent calls through the balancer from a customer with `remaining` units left under
 * a hard cap: exactly `remaining` may be served, however the calls spread over the instances.
 */
export async function capScenario(
  cluster: Cluster,
  customer: { id: string; token: string },
  { cap, remaining, burst }: { cap: number; remaining: number; burst: number },
  served: Served,
): Promise<CapResult> {
  const answers = await Promise.all(
    Array.from({ length: burst }, () => listWidgets(cluster.url, customer.token)),
  );
  const refused: Record<string, number> = {};
  let admitted = 0;
  for (const answer of answers) {
    countServed(served, customer.id, answer.status);
    if (answer.status === 200) {
      admitted += 1;
      await answer.arrayBuffer();
    } else {
      const kind = answer.status === 429 ? await problemType(answer) : String(answer.status);
      refused[kind] = (refused[kind] ?? 0) + 1;
    }
  }
  return { cap, remaining, admitted, refused, overshoot: Math.max(0, admitted - remaining) };
}

export interface RateResult {
  points: number;
  /** Windows the calls spanned, and those counted: with refusals before and after. */
  windows: number;
  counted: number;
  /** Calls admitted in each window, in order. */
  perWindow: number[];
  /** `points × counted`, and what the counted windows admitted. */
  expected: number;
  admitted: number;
  attempts: number;
  /** |admitted − expected| / expected over the counted windows. */
  error: number;
}

/**
 * Calls as fast as `concurrency` workers can through the balancer for `seconds`, and counts what the
 * limiter admitted in each of its windows (`points` calls per second, whichever instance each call
 * reached).
 *
 * The limiter's window opens with the first call after the last one closed, so a stall of the
 * machine shifts the windows against the clock: dividing the calls admitted in `seconds` by `seconds`
 * would count a stall as an error of the limiter. Calls come faster than the limit, so in the order
 * they were sent each window is a run of admitted calls followed by a run of refused ones; a window
 * counts when refusals come before and after its run (the first may have started cold, and the last
 * may be cut short), and it must have admitted `points`. Instances that each kept their own count
 * would admit `points` per instance; counting a call twice would admit half. A few refusals inside a
 * run are calls sent before the window turned that reached the limiter after calls sent later.
 */
export async function rateLimitScenario(
  cluster: Cluster,
  customer: { id: string; token: string },
  { points, seconds, concurrency }: { points: number; seconds: number; concurrency: number },
  served: Served,
): Promise<RateResult> {
  const calls: Array<{ sentAt: number; admitted: boolean }> = [];
  const stopAt = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < stopAt) {
        const sentAt = performance.now();
        const answer = await listWidgets(cluster.url, customer.token);
        countServed(served, customer.id, answer.status);
        if (answer.status !== 200 && answer.status !== 429)
          throw new Error(`a rate-limited call answered ${answer.status}`);
        calls.push({ sentAt, admitted: answer.status === 200 });
        await answer.arrayBuffer();
      }
    }),
  );
  calls.sort((a, b) => a.sentAt - b.sentAt);
  // At most `concurrency` calls are in flight, so the order they reach the limiter differs from the
  // order they were sent by fewer calls than that: a shorter run of refusals is not a window's end.
  const runs = admittedRuns(
    calls.map((call) => call.admitted),
    concurrency,
  );
  const counted = runs.filter((run) => run.refusedBefore && run.refusedAfter);
  const expected = points * counted.length;
  const admitted = counted.reduce((sum, run) => sum + run.admitted, 0);
  return {
    points,
    windows: runs.length,
    counted: counted.length,
    perWindow: runs.map((run) => run.admitted),
    expected,
    admitted,
    attempts: calls.length,
    error: expected === 0 ? 1 : Math.abs(admitted - expected) / expected,
  };
}

/** Runs of admitted calls (in the order sent) separated by runs of refusals. */
function admittedRuns(
  admitted: boolean[],
  refusalsBetweenWindows: number,
): Array<{ admitted: number; refusedBefore: boolean; refusedAfter: boolean }> {
  const runs: Array<{ admitted: number; refusedBefore: boolean; refusedAfter: boolean }> = [];
  let current: (typeof runs)[number] | undefined;
  let refusals = 0;
  for (const ok of admitted) {
    if (!ok) {
      refusals += 1;
      if (current && refusals >= refusalsBetweenWindows) {
        current.refusedAfter = true;
        runs.push(current);
        current = undefined;
      }
      continue;
    }
    current ??= { admitted: 0, refusedBefore: refusals >= refusalsBetweenWindows, refusedAfter: false };
    current.admitted += 1;
    refusals = 0;
  }
  if (current) runs.push(current);
  return runs;
}

/**
 * How long after `change` each instance answers `expected` to `call` (polled every 10 ms), or null
 * for an instance that did not within `withinMs`. Each instance is called directly, not through the
 * balancer, after `warm` has filled its caches with the answer before the change.
 */
export async function propagationScenario(
  cluster: Cluster,
  {
    call,
    before,
    after,
    change,
    withinMs,
  }: {
    call: (instanceUrl: string) => Promise<Response>;
    before: number;
    after: number;
    change: () => Promise<void>;
    withinMs: number;
  },
): Promise<Array<number | null>> {
  const instances = cluster.instances.filter((instance) => instance.alive);
  for (const instance of instances) {
    const warm = await call(instance.url);
    await warm.arrayBuffer();
    if (warm.status !== before) throw new Error(`${instance.url} answered ${warm.status} before the change`);
  }
  const started = performance.now();
  await change();
  return Promise.all(
    instances.map(async (instance) => {
      while (performance.now() - started < withinMs) {
        const answer = await call(instance.url);
        await answer.arrayBuffer();
        if (answer.status === after) return Math.round(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return null;
    }),
  );
}

export interface KillResult {
  /** 2xx answers, in all. */
  served: number;
  /** Calls the balancer answered 502 because the killed instance went away mid-call. */
  lostAnswers: number;
  /** Any other answer. */
  otherStatuses: Record<string, number>;
  killedPort: number;
}

/**
 * Customers call through the balancer at once while one instance is killed with SIGKILL partway.
 * A call can be metered and its answer lost with the instance: such calls are in `lostAnswers`.
 */
export async function killScenario(
  cluster: Cluster,
  customers: Array<{ id: string; token: string }>,
  { seconds, killAfterMs, perCustomer }: { seconds: number; killAfterMs: number; perCustomer: number },
  served: Served,
): Promise<KillResult> {
  const victim = cluster.instances.filter((instance) => instance.alive).at(-1);
  if (!victim) throw new Error("no instance to kill");
  let lostAnswers = 0;
  let total = 0;
  const otherStatuses: Record<string, number> = {};
  const stopAt = performance.now() + seconds * 1000;
  const killing = new Promise((resolve) => setTimeout(resolve, killAfterMs)).then(() =>
    victim.kill("SIGKILL"),
  );
  await Promise.all(
    customers.flatMap((customer) =>
      Array.from({ length: perCustomer }, async () => {
        while (performance.now() < stopAt) {
          // The balancer answers 502, or cuts an answer it had begun to pass on.
          const answer = await listWidgets(cluster.url, customer.token).catch(() => null);
          // An answer cut mid-body is lost too: the caller never got it.
          const whole =
            answer &&
            (await answer.arrayBuffer().then(
              () => true,
              () => false,
            ));
          if (!answer || !whole || answer.status === 502) {
            lostAnswers += 1;
            continue;
          }
          countServed(served, customer.id, answer.status);
          if (answer.status === 200) total += 1;
          else otherStatuses[answer.status] = (otherStatuses[answer.status] ?? 0) + 1;
        }
      }),
    ),
  );
  await killing;
  return { served: total, lostAnswers, otherStatuses, killedPort: victim.port };
}

/** Units Stripe's meter holds for a customer, read through the SDK as from Stripe itself. */
export async function stripeUnits(stripe: Stripe, stripeCustomerId: string): Promise<number> {
  const meter = (await stripe.billing.meters.list()).data.find((each) => each.event_name === API_CALLS_METER);
  if (!meter) throw new Error(`no ${API_CALLS_METER} meter`);
  const hour = 3_600_000;
  const summaries = await stripe.billing.meters.listEventSummaries(meter.id, {
    customer: stripeCustomerId,
    start_time: Math.floor((Date.now() - 48 * hour) / hour) * 3600,
    end_time: Math.ceil((Date.now() + 2 * hour) / hour) * 3600,
  });
  return summaries.data.reduce((sum, summary) => sum + summary.aggregated_value, 0);
}
