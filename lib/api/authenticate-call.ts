import "server-only";
import { getConfig } from "@/lib/config";
import { TollgateError } from "@/lib/errors";
import { getDb, type Database } from "@/lib/db";
import { isDatabaseUnavailable } from "@/lib/db/database-unavailable";
import {
  checkScopes,
  createApiKeyVerifier,
  createGate,
  extractBearerToken,
  extractToken,
  isApiKey,
  isGateError,
  type ApiKeyRecord,
  type ApiKeyVerifier,
  type Gate,
  type ScopeRequirement,
  type VerifiedToken,
} from "@/lib/gate";
import { ClientCredentialsError } from "@/lib/gate/client-credentials";
import {
  createClientCredentialsExchange,
  type ClientCredentialsExchange,
} from "@/lib/gate/client-credentials-exchange";
import { log } from "@/lib/log";
import { peekProcessSingleton, processKey, processSingleton } from "@/lib/process-state";
import type { Operation } from "./catalog";
import { exchangeBudget, sourceAddress } from "./exchange-budget";

interface GateState {
  gate: Gate;
  /** Set when GATE_BASIC_EXCHANGE is on: `curl -u client_id:client_secret` works. */
  basicExchange: ClientCredentialsExchange | null;
  tokenCookie: string | undefined;
  /** API keys (`tg_...`), verified from the database through a short cache. */
  apiKeys: ApiKeyVerifier;
}

/**
 * Where the process keeps its gate. One per process: the proxy and the route handlers must share the
 * JWKS and verified-token caches, so the handler's re-check is a cache hit.
 */
export const gateKey = processKey<GateState>("gate");

function gateState(): GateState {
  return processSingleton(gateKey, () => {
    const config = getConfig();
    return {
      gate: createGate({
        ...config.gate,
        onJwksFetchError: (error) =>
          log.error("gate.jwks_fetch_failed", { jwksUri: config.gate.jwksUri, error: error.message }),
      }),
      basicExchange: config.gate.basicExchange
        ? createClientCredentialsExchange({
            tokenUrl: `${config.gate.issuer}oauth/token`,
            audience: config.gate.audience,
            budget: exchangeBudget(config.gate.basicExchangesPerMinute),
          })
        : null,
      tokenCookie: config.gate.tokenCookie,
      apiKeys: createApiKeyVerifier({
        environment: config.apiKeys.environment,
        lookup: (hash) => findApiKeyByHash(getDb(), hash),
      }),
    };
  });
}

/** The gate of this process (for tests and benchmarks that inspect its caches). */
export function currentGate(): Gate {
  return gateState().gate;
}

/** The API key with this hash, as the gate reads it: one read of a unique index. */
export function findApiKeyByHash(db: Database, hash: string): Promise<ApiKeyRecord | null> {
  return db.apiKey.findUnique({
    where: { hash },
    select: {
      id: true,
      customerId: true,
      scopes: true,
      expiresAt: true,
      revokedAt: true,
      lastUsedAt: true,
      rateLimitPerSecond: true,
    },
  });
}

/** Drops an API key from this process's cache (right after it was revoked); see `authenticateCall`. */
export function forgetApiKey(hash: string): void {
  peekProcessSingleton(gateKey)?.apiKeys.forget(hash);
}

/** The RFC 6750 `realm` of the API's challenges. */
export const API_REALM = "api";

/**
 * A call's verified token. `exchanged` is the access token a Basic exchange got, for the proxy to hand
 * on to the handler (see `admitRequest`).
 */
export interface Authentication {
  token: VerifiedToken;
  exchanged?: string;
}

/** How `authenticateCall` treats API keys. */
export interface AuthenticateOptions {
  /**
   * Read an API key's row from the database even when it is cached: the route handler's check, so a
   * revoked key is refused on its very next call on every instance, however warm the proxies' caches.
   */
  freshKeys?: boolean;
}

/**
 * Authenticates an API call for an operation: the bearer token (or, with GATE_BASIC_EXCHANGE, Basic
 * client credentials exchanged at the issuer) verified against the issuer's keys, or an API key
 * (`tg_...`, told from a JWT by its shape) against its hash in the database; then the operation's
 * scopes. The precise reason of a refusal goes to the log only.
 *
 * The proxy calls it before routing and the route handler calls it again (defence in depth against
 * proxy bypasses): a token-cache hit where both run in one process (`next start`), one more
 * verification where they do not (Vercel runs the proxy apart from the functions).
 *
 * @throws {TollgateError} the gate's refusal (a `GateError`); for Basic credentials,
 *   ERR_BASIC_CREDENTIALS_REFUSED (401 with a `Basic` and a `Bearer` challenge), ERR_BASIC_EXCHANGE_THROTTLED
 *   (429) or ERR_BASIC_EXCHANGE_UNAVAILABLE (503), both with Retry-After.
 */
export async function authenticateCall(
  request: Request,
  operation: Operation,
  requestId: string,
  { freshKeys = false }: AuthenticateOptions = {},
): Promise<Authentication> {
  const { gate, basicExchange, tokenCookie, apiKeys } = gateState();
  try {
    if (basicExchange && BASIC.test(request.headers.get("authorization") ?? "")) {
      return await authenticateBasic(request, { gate, basicExchange, tokenCookie }, operation.scopes);
    }
    const bearer = extractBearerToken(request, { cookieName: tokenCookie });
    const token = isApiKey(bearer)
      ? await apiKeys.verify(bearer, { fresh: freshKeys })
      : await gate.verify(bearer);
    checkScopes(token.scopes, operation.scopes);
    return { token };
  } catch (error) {
    if (error instanceof ClientCredentialsError) {
      log.info("gate.basic_exchange_failed", {
        requestId,
        operation: operation.id,
        code: error.code,
        reason: error.reason,
      });
      throw basicExchangeError(error);
    }
    if (isDatabaseUnavailable(error)) {
      log.error("api.admission_failed", { requestId, operation: operation.id, error: String(error) });
      throw new TollgateError("ERR_DATABASE_UNAVAILABLE", { retryAfterSeconds: 5 });
    }
    if (!isGateError(error)) {
      log.error("gate.failed", { requestId, operation: operation.id, error: String(error) });
      throw new TollgateError("ERR_INTERNAL", { detail: `Quote request id ${requestId} to support.` });
    }
    log.info("gate.denied", { requestId, operation: operation.id, ...error.toLogFields() });
    throw error;
  }
}

const BASIC = /^basic(\s|$)/i;

/** Exchanges the request's Basic client credentials for a token, then verifies it as the gate does. */
async function authenticateBasic(
  request: Request,
  {
    gate,
    basicExchange,
    tokenCookie,
  }: Pick<GateState, "gate" | "tokenCookie"> & { basicExchange: ClientCredentialsExchange },
  scopes: ScopeRequirement,
): Promise<Authentication> {
  const credentials = extractToken(request, { cookieName: tokenCookie });
  if (credentials?.kind !== "basic") return { token: await gate.authenticate(request, scopes) };
  const exchanged = await basicExchange.exchange(
    credentials.clientId,
    credentials.clientSecret,
    sourceAddress(request.headers),
  );
  const token = await gate.verify(exchanged);
  checkScopes(token.scopes, scopes);
  return { token, exchanged };
}

function basicExchangeError(error: ClientCredentialsError): TollgateError {
  const retryAfterSeconds = error.retryAfterSeconds ?? 1;
  switch (error.code) {
    case "ERR_TOKEN_ENDPOINT_REJECTED":
      return new TollgateError("ERR_BASIC_CREDENTIALS_REFUSED");
    case "ERR_TOKEN_REQUEST_THROTTLED":
      return new TollgateError("ERR_BASIC_EXCHANGE_THROTTLED", { retryAfterSeconds });
    default:
      return new TollgateError("ERR_BASIC_EXCHANGE_UNAVAILABLE", { retryAfterSeconds });
  }
}
