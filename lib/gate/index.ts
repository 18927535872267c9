/**
 * The API gate, framework-independent: extract a token, verify it against the issuer's JWKS and check
 * scopes. Refusals are thrown as `GateError`; `problemResponse` (lib/errors) answers them with RFC 6750
 * challenges and RFC 9457 problem bodies.
 */
export {
  createApiKeyVerifier,
  describeApiKey,
  generateApiKey,
  hashApiKey,
  isApiKey,
  type ApiKeyEnvironment,
  type ApiKeyRecord,
  type ApiKeyVerifier,
  type ApiKeyVerifierOptions,
  type NewApiKey,
} from "./api-keys";
export { createGate, type Gate, type GateOptions } from "./create-gate";
export { GateError, isGateError, type GateErrorCode, type GateErrorOptions } from "./errors";
export {
  extractBearerToken,
  extractToken,
  type Credentials,
  type ExtractTokenOptions,
  type RequestLike,
} from "./extract-token";
export { createJwksCache, type JwksCache, type JwksCacheOptions, type JwksCacheStats } from "./jwks-cache";
export {
  createTokenVerifier,
  type KeyResolver,
  type TokenVerifier,
  type ApiKeyGrant,
  type TokenVerifierOptions,
  type VerifiedToken,
} from "./verify-access-token";
export { createTokenCache, type Expiring, type TokenCache, type TokenCacheOptions } from "./token-cache";
export { checkScopes, type ScopeRequirement } from "./scopes";
