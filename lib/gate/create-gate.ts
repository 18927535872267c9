import { extractBearerToken, type RequestLike } from "./extract-token";
import { createJwksCache, type JwksCache } from "./jwks-cache";
import { checkScopes, type ScopeRequirement } from "./scopes";
import { createTokenCache, type TokenCache } from "./token-cache";
import { createTokenVerifier, type TokenVerifier, type VerifiedToken } from "./verify-access-token";

/** What {@link createGate} needs: `config.gate` fits as is, plus optional knobs. */
export interface GateOptions {
  issuer: string;
  jwksUri: string;
  audience: string;
  algorithms?: readonly string[];
  clockToleranceSeconds?: number;
  maxTokenBytes?: number;
  /** Also read the token from this cookie. */
  tokenCookie?: string;
  rolesClaim?: string;
  requiredRoles?: readonly string[];
  jwksRefreshSeconds?: number;
  jwksCooldownSeconds?: number;
  jwksMaxAgeSeconds?: number;
  /** Entries of the verified-token cache; default 10,000; 0 disables it. */
  tokenCacheSize?: number;
  /** Clock in milliseconds since the epoch; inject a frozen one in tests. */
  now?: () => number;
  /** Injectable for other runtimes; tests use a real local JWKS server. */
  fetch?: typeof fetch;
  /** Called when a JWKS fetch fails (the gate keeps serving cached keys); for logging. */
  onJwksFetchError?: (error: Error) => void;
}

/** The wired gate: JWKS cache, verifier and token cache. */
export interface Gate {
  /** Verifies a token (cached until `exp`). Throws GateError. */
  verify: TokenVerifier;
  /**
   * Extracts the bearer token of a request, verifies it and, when given, checks the scopes.
   * Throws GateError; answer it with `problemResponse` (lib/errors).
   */
  authenticate(request: RequestLike, scopes?: ScopeRequirement): Promise<VerifiedToken>;
  jwks: JwksCache;
  tokenCache: TokenCache<VerifiedToken> | null;
}

/**
 * Wires a JWKS cache, a token cache and a verifier from gate configuration. Create one per process and
 * reuse it: the caches are its point.
 *
 * @example
 *   const gate = createGate(getConfig().gate);
 *   const caller = await gate.authenticate(request, { allOf: ["read:widgets"] });
 */
export function createGate(options: GateOptions): Gate {
  const now = options.now ?? Date.now;
  const cacheSize = options.tokenCacheSize ?? 10_000;
  const tokenCache = cacheSize > 0 ? createTokenCache<VerifiedToken>({ maxEntries: cacheSize, now }) : null;
  const jwks = createJwksCache({
    jwksUri: options.jwksUri,
    refreshSeconds: options.jwksRefreshSeconds,
    cooldownSeconds: options.jwksCooldownSeconds,
    maxAgeSeconds: options.jwksMaxAgeSeconds,
    fetch: options.fetch,
    now,
    onFetchError: options.onJwksFetchError,
    // A token signed by a key the issuer withdrew must not live on in the cache until its exp.
    onKeysChanged: ({ removed }) => {
      if (removed.length > 0) tokenCache?.clear();
    },
  });
  const verify = createTokenVerifier({
    issuer: options.issuer,
    audience: options.audience,
    algorithms: options.algorithms,
    clockToleranceSeconds: options.clockToleranceSeconds,
    maxTokenBytes: options.maxTokenBytes,
    getKey: jwks.getKey,
    rolesClaim: options.rolesClaim,
    requiredRoles: options.requiredRoles,
    tokenCache: tokenCache ?? undefined,
    revalidateKeys: jwks.revalidate,
    now,
  });
  const extractOptions = { cookieName: options.tokenCookie };

  return {
    verify,
    async authenticate(request, scopes) {
      const caller = await verify(extractBearerToken(request, extractOptions));
      if (scopes) checkScopes(caller.scopes, scopes);
      return caller;
    },
    jwks,
    tokenCache,
  };
}
