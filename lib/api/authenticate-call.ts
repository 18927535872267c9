import "server-only";
import { getConfig } from "@/lib/config";
import { bearerChallenge, problemResponse as errorResponse } from "@/lib/errors";
import {
  checkScopes,
  createGate,
  extractToken,
  isGateError,
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
import type { Operation } from "./catalog";
import { exchangeBudget, sourceAddress } from "./exchange-budget";
import { problemResponse } from "./problems";

interface GateState {
  gate: Gate;
  /** Set when GATE_BASIC_EXCHANGE is on: `curl -u client_id:client_secret` works. */
  basicExchange: ClientCredentialsExchange | null;
  tokenCookie: string | undefined;
}

// One gate per process, on globalThis: Next bundles proxy.ts and the route handlers separately, and
// they must share the JWKS and verified-token caches, so the handler's re-check is a cache hit.
const globalForGate = globalThis as typeof globalThis & { tollgateGate?: GateState };

function gateState(): GateState {
  if (!globalForGate.tollgateGate) {
    const config = getConfig();
    globalForGate.tollgateGate = {
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
    };
  }
  return globalForGate.tollgateGate;
}

/** The gate of this process (for tests and benchmarks that inspect its caches). */
export function currentGate(): Gate {
  return gateState().gate;
}

/** Where an answer is given from, for problem bodies and logs. */
export interface CallContext {
  requestId: string;
  instance: string;
}

/**
 * The outcome of authenticating a call: the verified token, or the refusal to send. `exchanged` is the
 * access token a Basic exchange got, for the proxy to hand on to the handler (see `admitRequest`).
 */
export type Authentication =
  { ok: true; token: VerifiedToken; exchanged?: string } | { ok: false; response: Response };

/**
 * Authenticates an API call for an operation: the bearer token (or, with GATE_BASIC_EXCHANGE, Basic
 * client credentials exchanged at the issuer) verified against the issuer's keys, and the operation's
 * scopes. Refusals are RFC 6750 + RFC 9457 responses; the precise reason goes to the log only.
 *
 * The proxy calls it before routing and the route handler calls it again (defence in depth against
 * proxy bypasses): a token-cache hit where both run in one process (`next start`), one more
 * verification where they do not (Vercel runs the proxy apart from the functions).
 *
 * Credentials the issuer refuses on a Basic exchange answer 401 `invalid_token` with both a
 * `Basic realm="api"` and a `Bearer` challenge; too many failed exchanges for one client id answer 429,
 * an unreachable issuer 503, both with Retry-After.
 */
export async function authenticateCall(
  request: Request,
  operation: Operation,
  { requestId, instance }: CallContext,
): Promise<Authentication> {
  const { gate, basicExchange, tokenCookie } = gateState();
  try {
    if (basicExchange && BASIC.test(request.headers.get("authorization") ?? "")) {
      return {
        ok: true,
        ...(await authenticateBasic(request, { gate, basicExchange, tokenCookie }, operation.scopes)),
      };
    }
    return { ok: true, token: await gate.authenticate(request, operation.scopes) };
  } catch (error) {
    if (error instanceof ClientCredentialsError) {
      log.info("gate.basic_exchange_failed", {
        requestId,
        operation: operation.id,
        code: error.code,
        reason: error.reason,
      });
      return { ok: false, response: basicExchangeErrorResponse(error, { requestId, instance }) };
    }
    if (!isGateError(error)) {
      log.error("gate.failed", { requestId, operation: operation.id, error: String(error) });
      return {
        ok: false,
        response: problemResponse("internal_error", {
          requestId,
          instance,
          detail: `Quote request id ${requestId} to support.`,
        }),
      };
    }
    log.info("gate.denied", { requestId, operation: operation.id, ...error.toLogFields() });
    return { ok: false, response: errorResponse(error, { requestId, instance, realm: "api" }) };
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
): Promise<{ token: VerifiedToken; exchanged?: string }> {
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

const BASIC_REFUSED =
  "The issuer refused these client credentials. Check the client id and secret, or send an access token as Authorization: Bearer <access token>.";

function basicExchangeErrorResponse(
  error: ClientCredentialsError,
  where: { requestId: string; instance: string },
): Response {
  const retryAfter = String(error.retryAfterSeconds ?? 1);
  if (error.code === "ERR_TOKEN_ENDPOINT_REJECTED") {
    // RFC 9110 §11.6.1: one challenge per scheme the client may retry with.
    const headers = new Headers();
    headers.append("www-authenticate", 'Basic realm="api"');
    headers.append(
      "www-authenticate",
      bearerChallenge({ realm: "api", error: "invalid_token", description: BASIC_REFUSED }),
    );
    return problemResponse("invalid_token", { ...where, detail: BASIC_REFUSED, headers });
  }
  if (error.code === "ERR_TOKEN_REQUEST_THROTTLED") {
    return problemResponse("rate_limited", {
      ...where,
      detail:
        "Too many client credential exchanges for this client from your address, from your address, or in all. Retry after the Retry-After delay.",
      headers: { "retry-after": retryAfter },
    });
  }
  return problemResponse("service_unavailable", {
    ...where,
    detail: "The API cannot exchange client credentials with the issuer right now. Retry later.",
    headers: { "retry-after": retryAfter },
  });
}
