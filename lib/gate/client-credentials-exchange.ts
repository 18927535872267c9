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
  /** Decides which exchanges may reach the issuer (per client and source address, and in all). */
  budget: ExchangeBudget;
  /** Exchanges in flight at once in this process; default 32. */
  maxConcurrentExchanges?: number;
  refreshBeforeSeconds?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
  /** Clock in milliseconds since the epoch. */
  now?: () => number;
}

/**
 * Which exchanges may reach the issuer. Kept outside the exchange so that it can live in a store every
 * instance shares: a budget per process is a budget per instance, multiplied by their number.
 */
export interface ExchangeBudget {
  /** Counts an exchange of `clientId` from `source` about to reach the issuer: null to go ahead, else seconds to wait. */
  admit(clientId: string, source: string): Promise<number | null>;
  /** The issuer accepted the credentials: the admission is given back. */
  accepted(clientId: string, source: string): Promise<void>;
}

/** Exchanges client credentials sent with HTTP Basic for access tokens, with caches and limits. */
export interface ClientCredentialsExchange {
  /**
   * The access token for these credentials, cached or from one exchange; `source` is the caller's
   * address, for the budget. Throws ClientCredentialsError.
   */
  exchange(clientId: string, clientSecret: string, source: string): Promise<string>;
  clear(): void;
}

// Auth0 client ids are 32 characters and secrets 64; anything far longer is refused without a request.
const MAX_CLIENT_ID_LENGTH = 256;
const MAX_SECRET_LENGTH = 1024;

/**
 * Lets a machine call the API with `curl -u client_id:client_secret` (as Kong's OIDC plugin does): the
 * credentials are exchanged at the issuer for an access token, which the caller then verifies like any
 * bearer token.
 *
 * - Cached per (client id, keyed SHA-256 of the secret) until the token's expiry, so a repeat costs a hash
 *   and a Map lookup; the secret itself is kept only inside the token source that needs it.
 * - One exchange per pair under concurrency; a failed pair is refused for `failureSeconds`.
 * - Every new pair's exchange asks `budget` first (ERR_TOKEN_REQUEST_THROTTLED when it says wait). A
 *   pair with a cached token never does, so an attacker who knows a client id cannot lock its owner
 *   out while its token is cached; and the app's budget counts per source address, so neither after.
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
  const maxConcurrent = options.maxConcurrentExchanges ?? 32;
  const { budget } = options;
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  // Keyed so that a memory dump does not hold plain SHA-256 digests of secrets to guess offline.
  const hashKey = randomBytes(32);
  const sources = new Map<string, ClientCredentials>();
  const failures = new Map<string, { until: number; error: ClientCredentialsError }>();
  const admitting = new Map<string, Promise<ClientCredentials>>();
  let inFlight = 0;

  return {
    async exchange(clientId, clientSecret, origin) {
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
      // Callers that arrive while a new pair is being admitted wait for that admission, not one of their own.
      const pending = sources.has(key) ? undefined : admitting.get(key);
      let source = pending ? await pending : sources.get(key);
      if (!source) {
        // Synchronous from here until the admission is registered: no await may let a twin through.
        const failure = failures.get(key);
        if (failure && now() < failure.until) throw failure.error;
        failures.delete(key);
        const admission = admit(key, clientId, clientSecret, origin);
        admitting.set(key, admission);
        try {
          source = await admission;
        } finally {
          admitting.delete(key);
        }
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
            throw refused;
          }
        }
        throw failures.get(key)?.error ?? error;
      }
    },
    clear() {
      sources.clear();
      failures.clear();
      admitting.clear();
    },
  };

  /** Asks the budget, then makes the pair's token source (whose first token is its exchange). */
  async function admit(key: string, clientId: string, clientSecret: string, origin: string) {
    const waitSeconds = await budget.admit(clientId, origin);
    if (waitSeconds !== null) {
      throw new ClientCredentialsError(
        "ERR_TOKEN_REQUEST_THROTTLED",
        `too many exchanges for client ${clientId} from ${origin}, from that address, or in all`,
        { retryAfterSeconds: waitSeconds },
      );
    }
    const source = createClientCredentials({
      tokenUrl: options.tokenUrl,
      clientId,
      clientSecret,
      endpointParams: { audience: options.audience },
      refreshBeforeSeconds: options.refreshBeforeSeconds,
      timeoutMs: options.timeoutMs,
      fetch: limitedFetch,
      now,
    });
    remember(sources, key, source, maxEntries);
    // The admission is given back once the issuer accepts the pair: only failures use it up.
    void source.getToken().then(
      () => budget.accepted(clientId, origin),
      () => undefined,
    );
    return source;
  }

  /** The token sources' fetch: refuses when this process has `maxConcurrent` exchanges in flight. */
  async function limitedFetch(input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> {
    if (inFlight >= maxConcurrent) {
      throw new ClientCredentialsError("ERR_TOKEN_REQUEST_THROTTLED", "too many exchanges in this process", {
        retryAfterSeconds: 1,
      });
    }
    inFlight += 1;
    try {
      return await fetchImpl(input, init);
    } finally {
      inFlight -= 1;
    }
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
