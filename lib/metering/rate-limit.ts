import "server-only";
import pg from "pg";
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
  type RateLimiterAbstract,
} from "rate-limiter-flexible";
import { getConfig } from "@/lib/config";
import { log } from "@/lib/log";

/** A plan's request rate: `points` calls per `durationSeconds`. */
export interface RatePolicy {
  name: string;
  points: number;
  durationSeconds: number;
}

/** The outcome of counting one call against a policy. */
export interface RateDecision {
  allowed: boolean;
  remaining: number;
  resetSeconds: number;
  policy: RatePolicy;
}

// rate-limiter-flexible (maintained, atomic per store): PostgreSQL when DATABASE_URL is set, so every
// instance shares the count; in memory with embedded PGlite, which is single-process by nature, so
// memory is exact there. One limiter per policy, kept on globalThis across Next's bundles and reloads.
const globalForLimits = globalThis as typeof globalThis & {
  tollgateRateLimiters?: Map<string, Promise<RateLimiterAbstract>>;
  tollgateRatePool?: pg.Pool;
};

function limiterFor(policy: RatePolicy): Promise<RateLimiterAbstract> {
  const limiters = (globalForLimits.tollgateRateLimiters ??= new Map());
  const id = `${policy.name}:${policy.points}:${policy.durationSeconds}`;
  let limiter = limiters.get(id);
  if (!limiter) {
    limiter = createLimiter(policy);
    limiters.set(id, limiter);
  }
  return limiter;
}

function createLimiter(policy: RatePolicy): Promise<RateLimiterAbstract> {
  const options = { keyPrefix: `rl_${policy.name}`, points: policy.points, duration: policy.durationSeconds };
  const { db } = getConfig();
  if (db.kind !== "postgres") return Promise.resolve(new RateLimiterMemory(options));
  const pool = (globalForLimits.tollgateRatePool ??= ratePool(db.url));
  return new Promise((resolve, reject) => {
    // The library creates its table (`rate_limits`) on first use, outside Prisma's migrations.
    const limiter: RateLimiterPostgres = new RateLimiterPostgres(
      {
        ...options,
        storeClient: pool,
        storeType: "pool",
        tableName: "rate_limits",
        clearExpiredByTimeout: true,
      },
      (error?: Error) => (error ? reject(error) : resolve(limiter)),
    );
  });
}

function ratePool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // An idle connection that the server drops (a restart, a failover) is reported on the pool; without
  // a listener Node treats it as an uncaught exception and the whole server exits. The pool replaces
  // the connection by itself, and calls in flight fail on their own (answered 503).
  pool.on("error", (error) => log.warn("metering.rate_limit_connection_lost", { error: error.message }));
  return pool;
}

/** Counts one call of `key` (a customer) against a policy. */
export async function consumeRate(policy: RatePolicy, key: string): Promise<RateDecision> {
  const limiter = await limiterFor(policy);
  try {
    const result = await limiter.consume(key, 1);
    return decision(policy, true, result);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return decision(policy, false, rejection);
    throw rejection; // the store failed: the caller answers 503, never admits for free
  }
}

function decision(policy: RatePolicy, allowed: boolean, result: RateLimiterRes): RateDecision {
  return {
    allowed,
    remaining: Math.max(0, result.remainingPoints),
    resetSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)),
    policy,
  };
}

/**
 * The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy` says the
 * quota and window, `RateLimit` what is left and when it resets; refusals add `Retry-After`.
 */
export function rateLimitHeaders(rate: RateDecision): Record<string, string> {
  const name = `"${rate.policy.name}"`;
  return {
    "ratelimit-policy": `${name};q=${rate.policy.points};w=${rate.policy.durationSeconds}`,
    ratelimit: `${name};r=${rate.remaining};t=${rate.resetSeconds}`,
    ...(rate.allowed ? {} : { "retry-after": String(rate.resetSeconds) }),
  };
}
