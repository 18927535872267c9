import autocannon from "autocannon";

/** One fixed-rate run and what came back. */
export interface FixedRateRun {
  /** The rate asked for, requests per second. */
  targetRate: number;
  /** Answers per second received (see `runFixedRate`). */
  achievedRate: number;
  /** Answers received (every status). */
  answers: number;
  /** Answers with the expected status. */
  expected: number;
  /** Answers with any other status, by status code. */
  unexpected: Record<string, number>;
  /** Connection errors and timeouts (requests without an answer). */
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** From the start to the last answer. */
  elapsedSeconds: number;
  /** Answers in each second from the start, to see a slowdown within a run. */
  perSecond: number[];
}

/** autocannon instances ("lanes") per run, started evenly over a second. */
const LANES = 8;
const CONNECTIONS_PER_LANE = 2;
/** Rates are multiples of this, so every connection gets the same whole number of requests a second. */
export const RATE_QUANTUM = LANES * CONNECTIONS_PER_LANE;

/** The multiple of `RATE_QUANTUM` nearest to `rate` (at least one quantum). */
export function paceableRate(rate: number): number {
  return Math.max(RATE_QUANTUM, Math.round(rate / RATE_QUANTUM) * RATE_QUANTUM);
}

/**
 * Sends `rate × seconds` requests at a fixed overall rate with autocannon's `overallRate`, and waits
 * for every answer.
 *
 * - A fixed count, not a duration: autocannon drops the requests in flight when a duration ends, and
 *   the server may have served (and metered) them; with a count, the answers counted here are exactly
 *   the calls the server answered.
 * - Lanes: autocannon makes each connection send its share of a second's requests back to back when
 *   the second starts, so one instance sends the whole rate in one burst a second and measures how fast
 *   the server drains bursts. Eight instances started 125 ms apart spread the same rate over the
 *   second, nearer to the steady arrivals of many independent clients.
 * - The achieved rate is answers over `seconds`, or over the time to the last answer when that is
 *   longer (a server that keeps up has answered the last second's requests within `seconds`).
 * - Latencies are each answer's own time, taken from autocannon's response events.
 *   autocannon's own histogram "corrects" for coordinated omission with an expected interval of
 *   ceil(1 / per-connection rate) = 1 ms, which turns a 100 ms answer into a hundred samples; a server
 *   that stalls is caught by the achieved rate instead.
 */
export function runFixedRate(options: {
  url: string;
  rate: number;
  seconds: number;
  expectedStatus: number;
  /** Headers for a lane's connections (e.g. one customer's token per lane). */
  headersFor(lane: number): Record<string, string>;
}): Promise<FixedRateRun> {
  if (options.rate % RATE_QUANTUM !== 0)
    throw new RangeError(`rate ${options.rate} is not a multiple of ${RATE_QUANTUM}`);
  const laneRate = options.rate / LANES;
  const latencies: number[] = [];
  const unexpected: Record<string, number> = {};
  const perSecond: number[] = [];
  let expected = 0;
  let lastAnswerAt = 0;
  const started = performance.now();

  const lane = (index: number) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: options.url,
          connections: CONNECTIONS_PER_LANE,
          overallRate: laneRate,
          amount: laneRate * options.seconds,
          timeout: 10,
          headers: options.headersFor(index),
        },
        (error: unknown, result) =>
          error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(result),
      );
      instance.on("response", (_client, statusCode, _bytes, responseTime) => {
        latencies.push(responseTime);
        lastAnswerAt = performance.now();
        const second = Math.floor((lastAnswerAt - started) / 1000);
        while (perSecond.length <= second) perSecond.push(0);
        perSecond[second] = (perSecond[second] ?? 0) + 1;
        if (statusCode === options.expectedStatus) expected += 1;
        else unexpected[String(statusCode)] = (unexpected[String(statusCode)] ?? 0) + 1;
      });
    });
  const delayed = (index: number) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      setTimeout(() => lane(index).then(resolve, reject), (index * 1000) / LANES);
    });

  return Promise.all(Array.from({ length: LANES }, (_, index) => delayed(index))).then((results) => {
    const elapsedSeconds = (lastAnswerAt - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      targetRate: options.rate,
      achievedRate: latencies.length / Math.max(options.seconds, elapsedSeconds),
      answers: latencies.length,
      expected,
      unexpected,
      errors: results.reduce((sum, result) => sum + result.errors, 0),
      p50Ms: percentile(latencies, 0.5),
      p99Ms: percentile(latencies, 0.99),
      maxMs: latencies.at(-1) ?? 0,
      elapsedSeconds,
      perSecond,
    };
  });
}

/** The nearest-rank percentile of sorted values (0 for none). */
function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number;
}
