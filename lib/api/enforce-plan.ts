import "server-only";
import { getCustomerAccess, mayUse, type CustomerAccess } from "@/lib/billing/access-cache";
import { PLANS } from "@/lib/billing/plans";
import { getConfig } from "@/lib/config";
import type { Database } from "@/lib/db";
import { TollgateError } from "@/lib/errors";
import type { ApiKeyGrant } from "@/lib/gate";
import { releaseQuota, reserveQuota, type QuotaKey } from "@/lib/metering/quota";
import { consumeRate, rateLimitHeaders, type RateDecision } from "@/lib/metering/rate-limit";
import { recordUsage } from "@/lib/metering/record-usage";
import { calendarMonth } from "@/lib/metering/usage-window";
import { requiredScopes, type Operation } from "./catalog";

/** A call the plan allows: headers for the answer, and what to do once the handler has answered. */
export interface PlanAdmission {
  access: CustomerAccess;
  headers: Record<string, string>;
  /** Records the call's units (durably, before the answer is sent); for 2xx answers only. */
  commit(): Promise<void>;
  /** Gives back a reserved quota when the call is not billed. */
  release(): Promise<void>;
}

/**
 * Holds a call to the customer's plan, from local state only (Postgres, kept true by the Stripe
 * webhook): the plan must include every scope the operation needs (ERR_SUBSCRIPTION_REQUIRED), the
 * call must fit the plan's rate limit (ERR_RATE_LIMITED) and, on capped plans, the period's quota
 * (ERR_QUOTA_EXCEEDED, reserved atomically so a cap of N never admits N + 1). A call made with an API
 * key that has a rate of its own must fit that as well, counted per key. `credential` is who the
 * committed units are attributed to (lib/metering/usage-credentials.ts).
 *
 * @throws {TollgateError} the refusal, with the headers and extension members of its answer.
 */
export async function enforcePlan(
  db: Database,
  customerId: string,
  operation: Operation,
  units: number,
  { apiKey, credential, now = new Date() }: { apiKey?: ApiKeyGrant; credential?: string; now?: Date } = {},
): Promise<PlanAdmission> {
  const access = await getCustomerAccess(db, customerId, { now });
  const missing = requiredScopes(operation.scopes).filter((scope) => !mayUse(access, scope));
  const scopesOk =
    "anyOf" in operation.scopes ? missing.length < operation.scopes.anyOf.length : missing.length === 0;
  if (!scopesOk) {
    const upgrade = `${getConfig().auth.appBaseUrl}/dashboard/billing`;
    throw new TollgateError("ERR_SUBSCRIPTION_REQUIRED", {
      detail: `The ${PLANS[access.plan].name} plan does not include ${missing.join(", ")}. Upgrade at ${upgrade}.`,
      extensions: { plan: access.plan, required_features: missing, upgrade_url: upgrade },
    });
  }

  const scale = getConfig().rateLimitScale;
  // The key's own rate first: a key over it spends nothing of the customer's shared rate.
  const keyRate =
    apiKey?.rateLimitPerSecond != null
      ? await consumeRate(
          { name: "api-key", points: Math.ceil(apiKey.rateLimitPerSecond * scale), durationSeconds: 1 },
          apiKey.id,
        )
      : null;
  if (keyRate && !keyRate.allowed) {
    throw new TollgateError("ERR_RATE_LIMITED", {
      detail: `This API key allows ${keyRate.policy.points} calls per second. Retry after ${keyRate.resetSeconds} s.`,
      headers: rateLimitHeaders(keyRate),
    });
  }
  const { points, durationSeconds } = access.limits.rateLimit;
  const rate = await consumeRate(
    { name: access.plan, points: Math.ceil(points * scale), durationSeconds },
    customerId,
  );
  const headers = rateLimitHeaders(nearerLimit(rate, keyRate));
  if (!rate.allowed) {
    throw new TollgateError("ERR_RATE_LIMITED", {
      detail: `The ${PLANS[access.plan].name} plan allows ${rate.policy.points} calls per ${rate.policy.durationSeconds} s. Retry after ${rate.resetSeconds} s.`,
      headers: rateLimitHeaders(rate),
    });
  }

  const period = access.period ?? calendarMonth(now);
  const key: QuotaKey = { customerId, meter: operation.cost.meter, periodStart: period.start };
  const cap = access.limits.hardCapUnits;
  let reserved = 0;
  if (cap !== null && units > 0) {
    if ((await reserveQuota(db, key, units, cap)) === null) {
      throw new TollgateError("ERR_QUOTA_EXCEEDED", {
        detail: `This call needs ${units} units and the ${PLANS[access.plan].name} plan's ${cap} units for this period are used up. Upgrade for more, or wait until ${period.end.toISOString()}.`,
        headers,
        retryAfterSeconds: (period.end.getTime() - now.getTime()) / 1000,
        extensions: { cap, period_end: period.end.toISOString() },
      });
    }
    reserved = units;
  }

  return {
    access,
    headers,
    commit: () => recordUsage(db, { ...key, units, at: now, periodStart: period.start, credential }),
    release: async () => {
      if (reserved > 0) await releaseQuota(db, key, reserved);
    },
  };
}

/** The decision whose limit is closer, for the answer's RateLimit headers. */
function nearerLimit(plan: RateDecision, key: RateDecision | null): RateDecision {
  return key && key.remaining < plan.remaining ? key : plan;
}
