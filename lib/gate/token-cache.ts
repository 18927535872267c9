/** The part of a cached value the cache needs: when it stops being valid, in seconds since the epoch. */
export interface Expiring {
  expiresAt: number;
}

/** Options of {@link createTokenCache}. */
export interface TokenCacheOptions {
  /** Most entries kept; default 10,000 (about 10 MB with 1 KB tokens). */
  maxEntries?: number;
  /** Clock in milliseconds since the epoch; inject a frozen one in tests. */
  now?: () => number;
}

/** A bounded map from a whole token to its verification result. */
export interface TokenCache<T extends Expiring> {
  /** The cached value, or `undefined` when absent or expired (an expired entry is dropped). */
  get(token: string): T | undefined;
  /** Stores a successful verification; never call it for a failure. */
  set(token: string, value: T): void;
  delete(token: string): void;
  clear(): void;
  readonly size: number;
}

/**
 * Caches verified tokens until their `exp`, keyed by the full token string: two different tokens can
 * never share an entry (a hash key could collide and admit a token that was never verified).
 *
 * Every hit is one `Map.get` plus a clock comparison; an entry is never returned at or after its `exp`
 * (the clock tolerance applies only to a full verification). When full, the oldest insertion is evicted:
 * tokens of one issuer share a lifetime, so insertion order is close to expiry order, and it spares hits
 * the cost of LRU bookkeeping.
 *
 * @example
 *   const cache = createTokenCache<VerifiedToken>({ maxEntries: 5000 });
 */
export function createTokenCache<T extends Expiring>(options: TokenCacheOptions = {}): TokenCache<T> {
  const maxEntries = options.maxEntries ?? 10_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1)
    throw new TypeError("maxEntries must be a positive integer");
  const now = options.now ?? Date.now;
  const entries = new Map<string, T>();

  return {
    get(token) {
      const value = entries.get(token);
      if (value === undefined) return undefined;
      if (now() >= value.expiresAt * 1000) {
        entries.delete(token);
        return undefined;
      }
      return value;
    },
    set(token, value) {
      if (now() >= value.expiresAt * 1000) return;
      if (entries.has(token)) entries.delete(token);
      else if (entries.size >= maxEntries) evictOne();
      entries.set(token, value);
    },
    delete(token) {
      entries.delete(token);
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };

  function evictOne(): void {
    const oldest = entries.keys().next();
    if (!oldest.done) entries.delete(oldest.value);
  }
}
