import "server-only";
import { createHmac, randomBytes } from "node:crypto";
import {
  ClientCredentialsError,
  createClientCredentials,
  type ClientCredentials,
} from "./client-credentials";

/** Options of {@link createClientCredentialsExchange}. */
export interface ClientCredentialsExchangeOptions {
  /** The issuer's token endpoint, e.g. `${issuer}oauth/token`. */
  tokenUrl: string;
  /** Sent as `audience`: the API's identifier, so that the token is one the gate accepts. */
  audience: string;
  /** Most (client id, secret) pairs with a token kept; default 10,000. */
  maxEntries?: number;
  /** How long a failed pair is refused without asking the issuer again; default 5. */
  failureSeconds?: number;
  /** Rejected exchanges plus exchanges in flight allowed per client id per `failureSeconds`; default 5. */
  maxFailuresPerClient?: number;
  /** Exchanges in flight at once in this process; default 32. */
  maxConcurrentExchanges?: number;
  refreshBeforeSeconds?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Clock in milliseconds since the epoch. */
  now?: () => number;
}

/** Exchanges client credentials sent with HTTP Basic for access tokens, with caches and limits. */
export interface ClientCredentialsExchange {
  /** The access token for these credentials, cached or from one exchange. Throws ClientCredentialsError. */
  exchange(clientId: string, clientSecret: string): Promise<string>;
  clear(): void;
}

// Auth0 client ids are 32 characters and secrets 64; anything far longer is refused without a request.
const MAX_CLIENT_ID_LENGTH = 256;
const MAX_SECRET_LENGTH = 1024;

interface ClientBudget {
  /** When recent rejections happened (at most `maxFailuresPerClient`, oldest first). */
  failedAt: number[];
  inFlight: number;
}

/**
 * Lets a machine call the API with `curl -u client_id:client_secret` (as Kong's OIDC plugin does): the
 * credentials are exchanged at the issuer for an access token, which the caller then verifies like any
 * bearer token.
 *
 * - Cached per (client id, keyed SHA-256 of the secret) until the token's expiry, so a repeat costs a hash
 *   and a Map lookup; the secret itself is kept only inside the token source that needs it.
 * - One exchange per pair under concurrency; a failed pair is refused for `failureSeconds`.
 * - A flood of different wrong secrets for one client id reaches the issuer at most
 *   `maxFailuresPerClient` times per `failureSeconds`; beyond that, ERR_TOKEN_REQUEST_THROTTLED. A pair
 *   with a cached token is unaffected, so an attacker who knows a client id cannot lock its owner out
 *   while its token is cached (only its next exchange may be delayed by a few seconds).
 *
 * @example
 *   const exchange = createClientCredentialsExchange({ tokenUrl: `${issuer}oauth/token`, audience });
 *   const caller = await gate.verify(await exchange.exchange(clientId, clientSecret));
 */
export function createClientCredentialsExchange(
  options: ClientCredentialsExchangeOptions,
): ClientCredentialsExchange {
  const now = options.now ?? Date.now;
  const maxEntries = options.maxEntries ?? 10_000;
  const failureMs = (options.failureSeconds ?? 5) * 1000;
  const maxFailures = options.maxFailuresPerClient ?? 5;
  const maxConcurrent = options.maxConcurrentExchanges ?? 32;
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  // Keyed so that a memory dump does not hold plain SHA-256 digests of secrets to guess offline.
  const hashKey = randomBytes(32);
  const sources = new Map<string, ClientCredentials>();
  const failures = new Map<string, { until: number; error: ClientCredentialsError }>();
  const budgets = new Map<string, ClientBudget>();
  let inFlight = 0;

  return {
    async exchange(clientId, clientSecret) {
      if (clientId.length > MAX_CLIENT_ID_LENGTH || clientSecret.length > MAX_SECRET_LENGTH) {
        throw new ClientCredentialsError(
          "ERR_TOKEN_ENDPOINT_REJECTED",
          "client id or secret too long; not sent",
          {
            oauthError: "invalid_client",
          },
        );
      }
      // The digest has a fixed length, so digest + client id is unambiguous.
      const key = createHmac("sha256", hashKey).update(clientSecret).digest("base64url") + clientId;
      let source = sources.get(key);
      if (!source) {
        const failure = failures.get(key);
        if (failure && now() < failure.until) throw failure.error;
        failures.delete(key);
        source = createClientCredentials({
          tokenUrl: options.tokenUrl,
          clientId,
          clientSecret,
          endpointParams: { audience: options.audience },
          refreshBeforeSeconds: options.refreshBeforeSeconds,
          timeoutMs: options.timeoutMs,
          fetch: budgetedFetch(clientId),
          now,
        });
        remember(sources, key, source, maxEntries);
      }
      try {
        return await source.getToken();
      } catch (error) {
        if (!(error instanceof ClientCredentialsError)) throw error;
        // Concurrent callers of one flight all land here with the same error; record it once.
        if (sources.get(key) === source) {
          sources.delete(key);
          if (error.code !== "ERR_TOKEN_REQUEST_THROTTLED") {
            const refused = new ClientCredentialsError(error.code, error.reason, {
              status: error.status,
              oauthError: error.oauthError,
              retryAfterSeconds: failureMs / 1000,
            });
            remember(failures, key, { until: now() + failureMs, error: refused }, maxEntries);
            if (error.code === "ERR_TOKEN_ENDPOINT_REJECTED") budgetOf(clientId).failedAt.push(now());
            throw refused;
          }
        }
        throw failures.get(key)?.error ?? error;
      }
    },
    clear() {
      sources.clear();
      failures.clear();
      budgets.clear();
    },
  };

  /** The fetch of one pair's token source: refuses when the client id or the process is over budget. */
  function budgetedFetch(clientId: string): typeof fetch {
    return async (input, init) => {
      const budget = budgetOf(clientId);
      const at = now();
      while (budget.failedAt.length > 0 && (budget.failedAt[0] ?? 0) + failureMs <= at)
        budget.failedAt.shift();
      if (inFlight >= maxConcurrent || budget.failedAt.length + budget.inFlight >= maxFailures) {
        const oldest = budget.failedAt[0];
        const waitMs =
          oldest !== undefined && budget.failedAt.length >= maxFailures ? oldest + failureMs - at : 1000;
        throw new ClientCredentialsError(
          "ERR_TOKEN_REQUEST_THROTTLED",
          `too many exchanges for client ${clientId} or in this process`,
          { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) },
        );
      }
      inFlight += 1;
      budget.inFlight += 1;
      try {
        return await fetchImpl(input, init);
      } finally {
        inFlight -= 1;
        budget.inFlight -= 1;
      }
    };
  }

  function budgetOf(clientId: string): ClientBudget {
    let budget = budgets.get(clientId);
    if (!budget) {
      budget = { failedAt: [], inFlight: 0 };
      remember(budgets, clientId, budget, maxEntries);
    }
    if (budget.failedAt.length > maxFailures) budget.failedAt.splice(0, budget.failedAt.length - maxFailures);
    return budget;
  }
}

/** Sets a Map entry, evicting the oldest insertion when full (entries of one issuer share a lifetime). */
function remember<K, V>(map: Map<K, V>, key: K, value: V, maxEntries: number): void {
  if (map.has(key)) map.delete(key);
  else if (map.size >= maxEntries) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
  map.set(key, value);
}
