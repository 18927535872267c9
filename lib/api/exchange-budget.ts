import "server-only";
import type { ExchangeBudget } from "@/lib/gate/client-credentials-exchange";
import { consumeRate, refundRate, type RatePolicy } from "@/lib/metering/rate-limit";

/**
 * Exchanges of client credentials not yet accepted, per client id and source address: a flood of
 * guesses for one client id from one address reaches the issuer 5 times per 5 s, while its owner,
 * calling from elsewhere, is not held back. A success gives its admission back.
 */
const PER_CLIENT_AND_SOURCE: RatePolicy = { name: "basic-client-source", points: 5, durationSeconds: 5 };
/** Exchanges from one address, whatever the client ids: random ids from one host relay little. */
const PER_SOURCE: RatePolicy = { name: "basic-source", points: 30, durationSeconds: 60 };

/**
 * The Basic exchange's budget in the rate limiter's store (Redis, PostgreSQL, or memory on PGlite), so
 * it holds across instances. Each exchange about to reach the issuer is counted per client and source,
 * per source and in all; the first that is spent refuses it with its wait.
 */
export function exchangeBudget(perMinute: number): ExchangeBudget {
  // Exchanges in all, across instances: what the issuer's token endpoint is asked at most.
  const GLOBAL: RatePolicy = { name: "basic-global", points: perMinute, durationSeconds: 60 };
  return {
    async admit(clientId, source) {
      for (const [policy, key] of [
        [PER_CLIENT_AND_SOURCE, `${clientId}|${source}`],
        [PER_SOURCE, source],
        [GLOBAL, "all"],
      ] as const) {
        const decision = await consumeRate(policy, key);
        if (!decision.allowed) return decision.resetSeconds;
      }
      return null;
    },
    async accepted(clientId, source) {
      await refundRate(PER_CLIENT_AND_SOURCE, `${clientId}|${source}`);
    },
  };
}

/**
 * The address a request came from: the first `X-Forwarded-For` entry, which Vercel sets to the
 * client's address (and `next start` to the socket's when no proxy set one). Behind a proxy of your
 * own, make it overwrite the header, or a client can pick its own budget.
 */
export function sourceAddress(headers: Headers): string {
  const forwarded = headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || headers.get("x-real-ip")?.trim() || "unknown";
}
