import "server-only";
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from "rate-limiter-flexible";
import { getDb } from "@/lib/db";
import { processKey, processSingleton } from "@/lib/process-state";
import { getRedis, redisReady } from "@/lib/redis";

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

/**
 * Where the process keeps its limiters; tests forget them to count as a second instance would, from
 * the shared store alone.
 */
export const rateLimitersKey = processKey<Map<string, Promise<RateLimiterAbstract>>>("rate-limiters");

// rate-limiter-flexible (maintained, atomic per store), one limiter per policy per process:
// - Redis (REDIS_URL): one counter every instance shares, a single round trip per call; while Redis is
//   unreachable each instance limits on its own in memory (the insurance limiter), so the API stays up
//   and limited, at up to the plan's rate per instance.
// - PostgreSQL without Redis: shared through the `rate_limits` table (a row update per call).
// - In memory with embedded PGlite, which is one process by nature, so memory is exact there.
function limiterFor(policy: RatePolicy): Promise<RateLimiterAbstract> {
  const limiters = processSingleton(rateLimitersKey, () => new Map<string, Promise<RateLimiterAbstract>>());
  const id = `${policy.name}:${policy.points}:${policy.durationSeconds}`;
  let limiter = limiters.get(id);
  if (!limiter) {
    limiter = createLimiter(policy);
    limiters.set(id, limiter);
    // A store that failed to set up (its table could not be created) is tried again by the next call.
    limiter.catch(() => limiters.delete(id));
  }
  return limiter;
}

function createLimiter(policy: RatePolicy): Promise<RateLimiterAbstract> {
  const options = { keyPrefix: `rl_${policy.name}`, points: policy.points, duration: policy.durationSeconds };
  const redis = getRedis();
  if (redis) {
    return Promise.resolve(
      new RateLimiterRedis({
        ...options,
        storeClient: redis,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(options),
      }),
    );
  }
  const pool = getDb().$pool;
  if (!pool) return Promise.resolve(new RateLimiterMemory(options));
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

/** Counts one call of `key` (a customer) against a policy. */
export async function consumeRate(policy: RatePolicy, key: string): Promise<RateDecision> {
  const redis = getRedis();
  // A new instance's first calls wait for its connection rather than count only in memory.
  if (redis) await redisReady(redis);
  const limiter = await limiterFor(policy);
  try {
    const result = await limiter.consume(key, 1);
    return decision(policy, true, result);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return decision(policy, false, rejection);
    throw rejection; // the store failed: the caller answers 503, never admits for free
  }
}

/** Gives back a call counted by `consumeRate` (one that turned out not to count, e.g. a success). */
export async function refundRate(policy: RatePolicy, key: string): Promise<void> {
  const limiter = await limiterFor(policy);
  await limiter.reward(key, 1);
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
