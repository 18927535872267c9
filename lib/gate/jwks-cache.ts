import {
  createLocalJWKSet,
  errors,
  type CryptoKey,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWK,
  type JWSHeaderParameters,
  type LocalJWKSet,
} from "jose";
import { z } from "zod";
import { GateError } from "./errors";

/** Options of {@link createJwksCache}; the `*Seconds` ones mirror `config.gate`. */
export interface JwksCacheOptions {
  /** The issuer's JWKS endpoint, e.g. `https://tenant.auth0.com/.well-known/jwks.json`. */
  jwksUri: string | URL;
  /** Age after which keys are refetched in the background; default 900 (15 minutes). */
  refreshSeconds?: number;
  /** Least time between two fetches caused by requests (unknown `kid`, failures); default 30. */
  cooldownSeconds?: number;
  /** Age after which cached keys are no longer trusted if the issuer stays unreachable; default 6 h. */
  maxAgeSeconds?: number;
  /** Timeout of one fetch, headers and body; default 5000. */
  timeoutMs?: number;
  /** Largest JWKS document accepted; default 256 KiB. */
  maxResponseBytes?: number;
  /** Injectable for other runtimes; tests use a real local server instead. */
  fetch?: typeof fetch;
  /** Clock in milliseconds since the epoch; inject a frozen one in tests. */
  now?: () => number;
  /** Called after a fetch returned a different key set (e.g. to drop cached tokens of removed keys). */
  onKeysChanged?: (change: { added: string[]; removed: string[] }) => void;
  /** Called when a fetch fails; the cache keeps serving what it has. For logging. */
  onFetchError?: (error: Error) => void;
}

/** Counters for tests, the health check and benchmarks. */
export interface JwksCacheStats {
  /** Fetches started (successful or not). */
  fetches: number;
  failures: number;
  lastAttemptAt: number | null;
  /** When keys were last fetched successfully (ms since the epoch); their age is measured from here. */
  lastSuccessAt: number | null;
  /** Message of the last failure, cleared by a success. */
  lastError: string | null;
  /** `kid`s of the usable keys (keys without a `kid` are listed as `""`). */
  kids: string[];
  /** Keys of the last document that were skipped: not for signatures, private or symmetric. */
  ignoredKeys: number;
}

/** A key resolver for jose's `jwtVerify`, backed by the issuer's JWKS. */
export interface JwksCache {
  /** Pass to `jwtVerify(token, cache.getKey, ...)`. Throws ERR_JWKS_UNAVAILABLE (a GateError) or jose's errors. */
  getKey(protectedHeader: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey>;
  /**
   * For token-cache hits, which resolve no key: starts a background refresh when the keys are due (as
   * `getKey` does), so that a withdrawn key is noticed even when every token comes from the cache, and
   * returns whether the keys are still trusted (false past `maxAgeSeconds`: verify in full, which fails
   * closed). Never blocks or throws.
   */
  revalidate(): boolean;
  /** Fetches now, ignoring the cooldown (joins a fetch in flight); resolves to whether it succeeded. */
  refresh(): Promise<boolean>;
  /** Resolves once no fetch is in flight (tests; graceful shutdown). */
  settled(): Promise<void>;
  stats(): JwksCacheStats;
}

interface KeySet {
  text: string;
  resolve: LocalJWKSet;
  fetchedAt: number;
  kids: string[];
}

const jwksDocument = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });

// Members that only private or symmetric keys have: such a key in a public JWKS is a publishing mistake.
const SECRET_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "k", "priv"];

/**
 * Resolves token keys from the issuer's JWKS, built on jose's `createLocalJWKSet` (imported keys are
 * reused until the document changes).
 *
 * - Lazy: nothing is fetched until the first token needs a key.
 * - Stale-while-revalidate: keys older than `refreshSeconds` are refetched in the background; no request
 *   waits for a refresh while the cached keys are usable.
 * - Unknown `kid`: one refetch at most per `cooldownSeconds`, shared by all concurrent callers, so a
 *   burst of forged `kid`s costs the issuer at most one request.
 * - Issuer down: cached keys serve until `maxAgeSeconds` after the last success, then every request
 *   fails closed with ERR_JWKS_UNAVAILABLE (503), as it does when no keys were ever fetched.
 *
 * @example
 *   const jwks = createJwksCache({ jwksUri: config.gate.jwksUri });
 *   await jwtVerify(token, jwks.getKey, { algorithms: ["RS256"] });
 */
export function createJwksCache(options: JwksCacheOptions): JwksCache {
  const uri = new URL(options.jwksUri);
  const refreshMs = (options.refreshSeconds ?? 900) * 1000;
  const cooldownMs = (options.cooldownSeconds ?? 30) * 1000;
  const maxAgeMs = (options.maxAgeSeconds ?? 6 * 3600) * 1000;
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxResponseBytes = options.maxResponseBytes ?? 256 * 1024;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const now = options.now ?? Date.now;

  let current: KeySet | null = null;
  let inflight: Promise<boolean> | null = null;
  const stats = {
    fetches: 0,
    failures: 0,
    lastAttemptAt: null as number | null,
    lastError: null as string | null,
    ignoredKeys: 0,
  };

  const canFetch = (at: number) => stats.lastAttemptAt === null || at - stats.lastAttemptAt >= cooldownMs;
  const usable = (set: KeySet | null, at: number): set is KeySet =>
    set !== null && at - set.fetchedAt <= maxAgeMs;

  function startFetch(): Promise<boolean> {
    if (inflight) return inflight;
    stats.fetches += 1;
    stats.lastAttemptAt = now();
    inflight = download()
      .then(install)
      .then(
        () => {
          stats.lastError = null;
          return true;
        },
        (error: unknown) => {
          const failure = error instanceof Error ? error : new Error(String(error));
          stats.failures += 1;
          stats.lastError = failure.message;
          notify(() => options.onFetchError?.(failure));
          return false;
        },
      )
      .finally(() => {
        inflight = null;
      });
    return inflight;
  }

  async function download(): Promise<string> {
    const response = await fetchImpl(uri, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(timeoutMs),
      // The JWKS location is configuration; a redirect elsewhere is not followed (fail closed).
      redirect: "error",
      cache: "no-store",
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`JWKS endpoint answered HTTP ${response.status}`);
    }
    const declared = Number(response.headers.get("content-length") ?? 0);
    if (declared > maxResponseBytes) {
      await response.body?.cancel();
      throw new Error(`JWKS document larger than ${maxResponseBytes} bytes`);
    }
    const text = await response.text();
    if (text.length > maxResponseBytes)
      throw new Error(`JWKS document larger than ${maxResponseBytes} bytes`);
    return text;
  }

  function install(text: string): void {
    const fetchedAt = now();
    if (current && current.text === text) {
      // Unchanged: keep the key set so its imported CryptoKeys are reused.
      current.fetchedAt = fetchedAt;
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error("JWKS document is not JSON");
    }
    const document = jwksDocument.safeParse(parsed);
    if (!document.success) throw new Error("JWKS document is not a JSON Web Key Set ({ keys: [...] })");

    const keys: JWK[] = [];
    for (const key of document.data.keys) {
      if (isPublicSigningKey(key)) keys.push(key);
    }
    const set: JSONWebKeySet = { keys };
    const kids = keys.map((key) => key.kid ?? "");
    const previous = current;
    current = { text, resolve: createLocalJWKSet(set), fetchedAt, kids };
    stats.ignoredKeys = document.data.keys.length - keys.length;

    if (previous && options.onKeysChanged) {
      const added = kids.filter((kid) => !previous.kids.includes(kid));
      const removed = previous.kids.filter((kid) => !kids.includes(kid));
      if (added.length > 0 || removed.length > 0) notify(() => options.onKeysChanged?.({ added, removed }));
    }
  }

  function unavailable(at: number): GateError {
    const last = stats.lastError ? `: ${stats.lastError}` : "";
    const retryAfterSeconds =
      stats.lastAttemptAt === null ? 1 : Math.max(1, (cooldownMs - (at - stats.lastAttemptAt)) / 1000);
    return new GateError(
      "ERR_JWKS_UNAVAILABLE",
      current ? `JWKS older than the maximum age and refetch failed${last}` : `JWKS never fetched${last}`,
      { retryAfterSeconds },
    );
  }

  function revalidateAt(set: KeySet, at: number): void {
    if (at - set.fetchedAt >= refreshMs && !inflight && canFetch(at)) void startFetch();
  }

  async function getKey(protectedHeader: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    const at = now();
    let set = current;
    if (!usable(set, at)) {
      if (inflight) await inflight;
      else if (canFetch(at)) await startFetch();
      set = current;
      if (!usable(set, now())) throw unavailable(now());
    } else {
      revalidateAt(set, at);
    }

    try {
      return await set.resolve(protectedHeader, token);
    } catch (error) {
      if (!isNoMatchingKey(error)) throw error;
      // Perhaps the issuer rotated keys: refetch, but never more than once per cooldown for everyone.
      if (inflight) await inflight;
      else if (canFetch(now())) await startFetch();
      else throw error;
      const refreshed = current;
      if (refreshed === set || !usable(refreshed, now())) throw error;
      return refreshed.resolve(protectedHeader, token);
    }
  }

  return {
    getKey,
    revalidate() {
      const at = now();
      if (!usable(current, at)) return false;
      revalidateAt(current, at);
      return true;
    },
    refresh: startFetch,
    async settled() {
      while (inflight) await inflight;
    },
    stats: () => ({
      fetches: stats.fetches,
      failures: stats.failures,
      lastAttemptAt: stats.lastAttemptAt,
      lastSuccessAt: current?.fetchedAt ?? null,
      lastError: stats.lastError,
      kids: current ? [...current.kids] : [],
      ignoredKeys: stats.ignoredKeys,
    }),
  };
}

/** Runs a caller's hook; a throwing logger must not turn into a failed fetch or a refused token. */
function notify(hook: () => void): void {
  try {
    hook();
  } catch {
    // Ignored on purpose (see above).
  }
}

function isNoMatchingKey(error: unknown): boolean {
  return error instanceof errors.JOSEError && error.code === errors.JWKSNoMatchingKey.code;
}

/**
 * Keeps keys usable for verifying signatures: a string `kty`, `use` absent or `sig` (RFC 7517 §4.2),
 * no private or symmetric material. Keys without `kid` stay but never match a token that has a `kid`;
 * a token without `kid` (Auth0 never issues one) verifies only when exactly one key could match.
 */
function isPublicSigningKey(key: Record<string, unknown>): key is JWK {
  if (typeof key.kty !== "string" || key.kty === "oct") return false;
  if (key.use !== undefined && key.use !== "sig") return false;
  if (key.kid !== undefined && typeof key.kid !== "string") return false;
  return !SECRET_MEMBERS.some((member) => member in key);
}
