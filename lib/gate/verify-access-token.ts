import { Buffer } from "node:buffer";
import {
  compactVerify,
  errors,
  type CryptoKey,
  type FlattenedJWSInput,
  type JWSHeaderParameters,
  type JWTPayload,
} from "jose";
import { GateError } from "./errors";
import type { TokenCache } from "./token-cache";

/** A caller proven by a verified access token. Frozen: cached instances are shared between requests. */
export interface VerifiedToken {
  /** `sub`: the Auth0 user id, or `<client_id>@clients` for a machine. */
  readonly subject: string;
  /** `azp`, else `client_id`: the application that obtained the token. */
  readonly clientId: string | null;
  /** From `scope` (space-separated) and `permissions` (Auth0 RBAC) only; no other claim grants scopes. */
  readonly scopes: ReadonlySet<string>;
  /**
   * `machine` for client-credentials tokens (`gty: "client-credentials"`), `key` for an API key
   * (lib/gate/api-keys.ts), else `person`.
   */
  readonly kind: "person" | "machine" | "key";
  /** String members of the configured roles claim; empty without one. */
  readonly roles: readonly string[];
  /** `exp`, in seconds since the epoch. */
  readonly expiresAt: number;
  /** Every claim, as signed; for custom claims. Empty for an API key. */
  readonly claims: Readonly<JWTPayload>;
  /** For an API key only: the key's row as the gate read it. */
  readonly apiKey?: ApiKeyGrant;
}

/** What an API key grants beyond its scopes: whose it is, and its own rate limit. */
export interface ApiKeyGrant {
  readonly id: string;
  readonly customerId: string;
  /** Calls a second; null: the plan's rate alone. */
  readonly rateLimitPerSecond: number | null;
  /** When the key was last used, as the database said when it was read. */
  readonly lastUsedAt: Date | null;
}

/** Resolves the verification key for a token header; `JwksCache.getKey` or jose's `createLocalJWKSet`. */
export type KeyResolver = (
  protectedHeader: JWSHeaderParameters,
  token: FlattenedJWSInput,
) => Promise<CryptoKey>;

/** Options of {@link createTokenVerifier}; the names mirror `config.gate`. */
export interface TokenVerifierOptions {
  /** Exact `iss`, e.g. `https://tenant.us.auth0.com/` (Auth0's trailing slash included). */
  issuer: string;
  /** The API identifier `aud` must be or contain. */
  audience: string;
  /** Allowed JWS `alg` values; default `["RS256"]`. Never include HS* or `none` with a JWKS. */
  algorithms?: readonly string[];
  /** Leeway for `exp`, `nbf` and `iat`; default 5. */
  clockToleranceSeconds?: number;
  /** Longer tokens are refused before any parsing; default 8192. */
  maxTokenBytes?: number;
  getKey: KeyResolver;
  /** Claim holding the roles: a claim name (`https://example.com/roles`) or a dot path (`app_metadata.roles`). */
  rolesClaim?: string;
  /** Roles a caller must all hold (ERR_ROLE_REQUIRED otherwise); needs `rolesClaim`. */
  requiredRoles?: readonly string[];
  /**
   * Who must hold `requiredRoles`; default `"person"`: Auth0 roles belong to users, client-credentials
   * tokens never carry them, so machines are governed by their scopes alone.
   */
  requireRolesFor?: "person" | "all";
  /** Caches successes until `exp`; see `createTokenCache`. */
  tokenCache?: TokenCache<VerifiedToken>;
  /**
   * Called on every cache hit, which resolves no key: `JwksCache.revalidate`. Returning false turns the
   * hit into a full verification (keys past their maximum age must fail closed for cached tokens too).
   */
  revalidateKeys?: () => boolean;
  /** Clock in milliseconds since the epoch; inject a frozen one in tests. */
  now?: () => number;
}

/** Verifies one access token; see {@link createTokenVerifier}. */
export type TokenVerifier = (token: string) => Promise<VerifiedToken>;

// Three base64url parts; the signature may be empty so that `alg: none` is reported as such.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
// RFC 9068 §2.1 `at+jwt`, RFC 7519 §5.1 `JWT`, with or without the `application/` prefix.
const ACCEPTED_TYP = new Set(["jwt", "at+jwt", "application/jwt", "application/at+jwt"]);
// A token naming its own key would let anyone sign; never honour (or fetch) those.
const EMBEDDED_KEY_HEADERS = ["jwk", "jku", "x5u", "x5c"] as const;

/**
 * Builds the access-token verifier: structural and header checks, then jose's `compactVerify` (the
 * signature, with the issuer's keys), then the claims. The payload is parsed once, before the signature
 * check, which covers exactly the characters it was parsed from.
 *
 * In order: size (before anything else); cache hit; three base64url parts with JSON-object header and
 * payload; header `alg` in the allow-list, no `crit`, no embedded key (`jwk`/`jku`/`x5u`/`x5c`), `typ`
 * absent or `JWT`/`at+jwt`; signature; `iss` exact, `aud` containing ours, `exp` and `sub` required,
 * `nbf`/`iat` not in the future beyond the tolerance; no `nonce` (an ID token is not an access token);
 * `scope` a string and `permissions` a string array when present; required roles.
 *
 * @example
 *   const verify = createTokenVerifier({ issuer, audience, getKey: jwks.getKey });
 *   const caller = await verify(token); // throws GateError
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { issuer, audience } = options;
  const allowedAlgorithms = new Set(options.algorithms ?? ["RS256"]);
  const joseOptions = { algorithms: [...allowedAlgorithms] };
  const tolerance = options.clockToleranceSeconds ?? 5;
  const maxTokenBytes = options.maxTokenBytes ?? 8192;
  const requiredRoles = [...(options.requiredRoles ?? [])];
  const rolesOnMachines = options.requireRolesFor === "all";
  const readRoles = options.rolesClaim === undefined ? () => NO_ROLES : rolesReader(options.rolesClaim);
  const cache = options.tokenCache;
  const now = options.now ?? Date.now;
  const getKey = options.getKey;
  const revalidateKeys = options.revalidateKeys;
  if (requiredRoles.length > 0 && options.rolesClaim === undefined) {
    throw new TypeError("requiredRoles needs rolesClaim: the claim the roles are read from");
  }

  return async function verify(token: string): Promise<VerifiedToken> {
    // JS string length counts UTF-16 units; anything non-ASCII fails the structure check below anyway.
    if (token.length > maxTokenBytes) {
      throw new GateError("ERR_TOKEN_TOO_LARGE", `token of ${token.length} bytes, limit ${maxTokenBytes}`);
    }
    const cached = cache?.get(token);
    if (cached && (revalidateKeys === undefined || revalidateKeys())) return cached;

    const claims = parseAndCheckHeader(token, allowedAlgorithms);
    try {
      // Signature only: the claims were parsed above from the very characters the signature covers, so
      // they are checked below rather than parsed a second time by jwtVerify.
      await compactVerify(token, getKey, joseOptions);
    } catch (error) {
      throw toGateError(error);
    }
    const required = checkClaims(claims, issuer, audience, Math.floor(now() / 1000), tolerance);

    const verified = toVerifiedToken(claims, required, readRoles);
    if (requiredRoles.length > 0 && (rolesOnMachines || verified.kind === "person")) {
      const missing = requiredRoles.filter((role) => !verified.roles.includes(role));
      if (missing.length > 0) {
        throw new GateError("ERR_ROLE_REQUIRED", `missing roles: ${missing.join(", ")}`, { requiredRoles });
      }
    }
    cache?.set(token, verified);
    return verified;
  };
}

const NO_ROLES: readonly string[] = Object.freeze([]);
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Structure and header rules, before any key lookup or cryptography; returns the (unverified) claims. */
function parseAndCheckHeader(token: string, allowedAlgorithms: ReadonlySet<string>): JWTPayload {
  if (!COMPACT_JWS.test(token)) throw new GateError("ERR_TOKEN_MALFORMED", "not three base64url parts");
  const firstDot = token.indexOf(".");
  const secondDot = token.indexOf(".", firstDot + 1);
  const header = decodeJsonObject(token.slice(0, firstDot));
  if (!header) throw new GateError("ERR_TOKEN_MALFORMED", "header is not a base64url JSON object");
  const claims = decodeJsonObject(token.slice(firstDot + 1, secondDot));
  if (!claims) throw new GateError("ERR_TOKEN_MALFORMED", "payload is not a base64url JSON object");

  const { alg, typ, kid } = header;
  if (typeof alg !== "string" || alg === "") throw new GateError("ERR_TOKEN_MALFORMED", "alg missing");
  if (!allowedAlgorithms.has(alg))
    throw new GateError("ERR_TOKEN_ALG_NOT_ALLOWED", `alg ${safe(alg)} not allowed`);
  for (const name of EMBEDDED_KEY_HEADERS) {
    if (name in header) throw new GateError("ERR_TOKEN_UNSUPPORTED_HEADER", `embedded key header ${name}`);
  }
  // RFC 7515 §4.1.11: a recipient must reject extensions it does not understand; we understand none.
  if ("crit" in header) throw new GateError("ERR_TOKEN_UNSUPPORTED_HEADER", "crit header");
  if (kid !== undefined && typeof kid !== "string")
    throw new GateError("ERR_TOKEN_MALFORMED", "kid not a string");
  if (typ !== undefined && (typeof typ !== "string" || !ACCEPTED_TYP.has(typ.toLowerCase()))) {
    throw new GateError("ERR_TOKEN_CLAIM_INVALID", `typ ${safe(String(typ))} is not an access token type`);
  }
  return claims;
}

function decodeJsonObject(part: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(strictUtf8.decode(Buffer.from(part, "base64url")));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * RFC 7519 §4.1 and RFC 9068 §4 checks, with jose's semantics: `iss` exact; `aud` equal to or an array
 * containing ours; `exp` required and `exp <= now - tolerance` expired; `nbf` and `iat` (jose checks
 * `iat` only with `maxTokenAge`) later than `now + tolerance` not yet valid; `sub` a non-empty string.
 */
function checkClaims(
  claims: JWTPayload,
  issuer: string,
  audience: string,
  now: number,
  tolerance: number,
): { subject: string; expiresAt: number } {
  const { iss, aud, exp, nbf, iat, sub } = claims;
  if (iss !== issuer) throw new GateError("ERR_TOKEN_CLAIM_INVALID", "unexpected iss");
  if (typeof aud === "string" ? aud !== audience : !Array.isArray(aud) || !aud.includes(audience)) {
    throw new GateError("ERR_TOKEN_CLAIM_INVALID", "unexpected aud");
  }
  if (exp === undefined) throw new GateError("ERR_TOKEN_CLAIM_INVALID", "exp missing");
  if (!isNumericDate(exp)) throw new GateError("ERR_TOKEN_CLAIM_INVALID", "exp not a number");
  if (nbf !== undefined && !isNumericDate(nbf))
    throw new GateError("ERR_TOKEN_CLAIM_INVALID", "nbf not a number");
  if (iat !== undefined && !isNumericDate(iat))
    throw new GateError("ERR_TOKEN_CLAIM_INVALID", "iat not a number");
  if (nbf !== undefined && nbf > now + tolerance)
    throw new GateError("ERR_TOKEN_NOT_YET_VALID", "nbf in the future");
  if (iat !== undefined && iat > now + tolerance)
    throw new GateError("ERR_TOKEN_NOT_YET_VALID", "iat in the future");
  if (exp <= now - tolerance) throw new GateError("ERR_TOKEN_EXPIRED", "exp in the past");
  if (typeof sub !== "string" || sub === "") throw new GateError("ERR_TOKEN_CLAIM_INVALID", "sub missing");
  // Access tokens never carry nonce; ID tokens do (their aud is a client id, so aud fails first).
  if (claims.nonce !== undefined)
    throw new GateError("ERR_TOKEN_CLAIM_INVALID", "nonce present: an ID token");
  return { subject: sub, expiresAt: exp };
}

function isNumericDate(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function toVerifiedToken(
  claims: JWTPayload,
  { subject, expiresAt }: { subject: string; expiresAt: number },
  readRoles: (claims: JWTPayload) => readonly string[],
): VerifiedToken {
  const { scope, permissions } = claims;
  if (scope !== undefined && typeof scope !== "string") {
    throw new GateError("ERR_TOKEN_CLAIM_INVALID", "scope not a string");
  }
  if (permissions !== undefined && !isStringArray(permissions)) {
    throw new GateError("ERR_TOKEN_CLAIM_INVALID", "permissions not an array of strings");
  }

  const scopes = new Set<string>();
  if (scope) for (const item of scope.split(" ")) if (item) scopes.add(item);
  if (permissions) for (const item of permissions) scopes.add(item);
  const clientId =
    typeof claims.azp === "string"
      ? claims.azp
      : typeof claims.client_id === "string"
        ? claims.client_id
        : null;

  return Object.freeze({
    subject,
    expiresAt,
    clientId,
    scopes,
    kind: claims.gty === "client-credentials" ? "machine" : "person",
    roles: readRoles(claims),
    claims: Object.freeze(claims),
  });
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

/** A claim name first (namespaced claims contain dots), then a dot path into nested objects. */
function rolesReader(path: string): (claims: JWTPayload) => readonly string[] {
  const segments = path.split(".");
  return (claims) => {
    let value: unknown = Object.hasOwn(claims, path) ? claims[path] : undefined;
    if (value === undefined) {
      value = claims;
      for (const segment of segments) {
        if (typeof value !== "object" || value === null || !Object.hasOwn(value, segment)) return NO_ROLES;
        value = (value as Record<string, unknown>)[segment];
      }
    }
    return Array.isArray(value)
      ? Object.freeze(value.filter((item): item is string => typeof item === "string"))
      : NO_ROLES;
  };
}

/** Maps jose's errors, by `code`, to gate errors; anything unexpected fails closed as a bad signature. */
function toGateError(error: unknown): GateError {
  if (error instanceof GateError) return error;
  if (!(error instanceof errors.JOSEError)) {
    const message = error instanceof Error ? error.message : String(error);
    return new GateError("ERR_TOKEN_INVALID_SIGNATURE", `verification failed unexpectedly: ${message}`);
  }
  const reason = `${error.code}: ${error.message}`;
  switch (error.code) {
    case errors.JWTExpired.code:
      return new GateError("ERR_TOKEN_EXPIRED", reason);
    case errors.JWTClaimValidationFailed.code: {
      const notYetValid = error instanceof errors.JWTClaimValidationFailed && error.claim === "nbf";
      return new GateError(notYetValid ? "ERR_TOKEN_NOT_YET_VALID" : "ERR_TOKEN_CLAIM_INVALID", reason);
    }
    case errors.JWSSignatureVerificationFailed.code:
      return new GateError("ERR_TOKEN_INVALID_SIGNATURE", reason);
    case errors.JWKSNoMatchingKey.code:
    case errors.JWKSMultipleMatchingKeys.code:
    case errors.JWKInvalid.code:
    case errors.JWKSInvalid.code:
      return new GateError("ERR_TOKEN_KID_UNKNOWN", reason);
    case errors.JOSEAlgNotAllowed.code:
    case errors.JOSENotSupported.code:
      return new GateError("ERR_TOKEN_ALG_NOT_ALLOWED", reason);
    default:
      return new GateError("ERR_TOKEN_MALFORMED", reason);
  }
}

/** Header values are attacker-chosen: keep log reasons short and printable. */
function safe(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, "?").slice(0, 40);
}
