import { createHash, randomBytes } from "node:crypto";
import { GateError } from "./errors";
import type { ApiKeyGrant, VerifiedToken } from "./verify-access-token";

/**
 * Which Stripe the keys belong to: `live` with a live Stripe key, else `test` (test mode and the local
 * sandbox). A key only works where it was made: a test key sent to live is refused by its shape alone.
 */
export type ApiKeyEnvironment = "live" | "test";

/** Every API key starts with this: the gate tells keys from JWTs by it (a JWT starts with `eyJ`). */
export const API_KEY_MARK = "tg_";

/** Characters of the visible start kept beside the hash, after `tg_<environment>_`. */
const VISIBLE_CHARACTERS = 8;
/** 32 random bytes (256 bits) in base62: 43 characters, selectable with a double click. */
const SECRET_LENGTH = 43;
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const KEY_SHAPE = /^tg_(live|test)_[0-9A-Za-z]{43}$/;

/** A new API key: `key` is shown once and never stored; `prefix` and `hash` are. */
export interface NewApiKey {
  key: string;
  prefix: string;
  hash: string;
}

/**
 * Makes a new API key for an environment: `tg_live_` or `tg_test_`, then 256 random bits in base62.
 *
 * @example const { key, prefix, hash } = generateApiKey("test"); // key: tg_test_4f9Qx2Lm...
 */
export function generateApiKey(environment: ApiKeyEnvironment): NewApiKey {
  let value = BigInt(`0x${randomBytes(32).toString("hex")}`);
  let secret = "";
  for (let i = 0; i < SECRET_LENGTH; i++) {
    secret = BASE62.charAt(Number(value % 62n)) + secret;
    value /= 62n;
  }
  return describeApiKey(`${API_KEY_MARK}${environment}_${secret}`);
}

/**
 * A key with what is stored of it: its visible start (`tg_test_4f9Qx2Lm`) and its hash. For keys made
 * elsewhere than {@link generateApiKey}, such as the fixed demo key `npm run dev` seeds.
 */
export function describeApiKey(key: string): NewApiKey {
  const start = key.indexOf("_", API_KEY_MARK.length) + 1;
  return { key, prefix: key.slice(0, start + VISIBLE_CHARACTERS), hash: hashApiKey(key) };
}

/**
 * The hex SHA-256 of a whole key, as stored. A fast hash is right here (unlike passwords): the key has
 * 256 random bits, so nothing can be guessed from its hash.
 */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** True when a bearer value is meant as an API key (`tg_...`); anything else is verified as a JWT. */
export function isApiKey(token: string): boolean {
  return token.startsWith(API_KEY_MARK);
}

/** An API key's row, as {@link ApiKeyVerifierOptions.lookup} reads it. */
export interface ApiKeyRecord {
  id: string;
  customerId: string;
  scopes: readonly string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  rateLimitPerSecond: number | null;
}

/** Options of {@link createApiKeyVerifier}. */
export interface ApiKeyVerifierOptions {
  environment: ApiKeyEnvironment;
  /** Reads the key with this hash (one indexed read); null when there is none. */
  lookup: (hash: string) => Promise<ApiKeyRecord | null>;
  /** How long a key read is reused; default 30. Revocation in the handler does not wait for it. */
  cacheSeconds?: number;
  /** How long an unknown key is remembered, so a flood of one bad key costs one read; default 5. */
  negativeCacheSeconds?: number;
  /** Most entries kept; default 10,000. */
  maxEntries?: number;
  /** Clock in milliseconds since the epoch; inject a frozen one in tests. */
  now?: () => number;
}

/** Verifies API keys; see {@link createApiKeyVerifier}. */
export interface ApiKeyVerifier {
  /**
   * The caller a key proves. `fresh` reads the database even on a cache hit (the route handler's
   * check, so a revocation holds on the next call everywhere). Throws GateError.
   */
  verify(key: string, options?: { fresh?: boolean }): Promise<VerifiedToken>;
  /** Drops a key from this process's cache, e.g. right after it was revoked. */
  forget(hash: string): void;
  readonly size: number;
}

interface Entry {
  /** Null for a key the database does not have. */
  record: ApiKeyRecord | null;
  caller: VerifiedToken | null;
  until: number;
}

const NO_CLAIMS = Object.freeze({});

/**
 * Verifies API keys locally: the shape (`tg_<environment>_` and 43 base62 characters), then the key's
 * row by its SHA-256, from a cache of `cacheSeconds` or one `lookup`, then revocation and expiry
 * against the clock on every call. A cache hit is a hash and a `Map.get`: no network.
 *
 * @example
 *   const keys = createApiKeyVerifier({ environment: "test", lookup: (hash) => db.apiKey.findUnique(...) });
 *   const caller = await keys.verify("tg_test_..."); // throws GateError
 */
export function createApiKeyVerifier(options: ApiKeyVerifierOptions): ApiKeyVerifier {
  const now = options.now ?? Date.now;
  const positiveMs = (options.cacheSeconds ?? 30) * 1000;
  const negativeMs = (options.negativeCacheSeconds ?? 5) * 1000;
  const maxEntries = options.maxEntries ?? 10_000;
  const shape = new RegExp(`^${API_KEY_MARK}${options.environment}_[0-9A-Za-z]{${SECRET_LENGTH}}$`);
  const entries = new Map<string, Entry>();

  async function read(hash: string, at: number): Promise<Entry> {
    const record = await options.lookup(hash);
    const entry: Entry = {
      record,
      caller: record && toCaller(record),
      until: at + (record ? positiveMs : negativeMs),
    };
    if (entries.has(hash)) entries.delete(hash);
    else if (entries.size >= maxEntries) {
      const oldest = entries.keys().next();
      if (!oldest.done) entries.delete(oldest.value);
    }
    if (entry.until > at) entries.set(hash, entry);
    return entry;
  }

  return {
    async verify(key, { fresh = false } = {}) {
      if (!shape.test(key)) {
        throw new GateError(
          "ERR_API_KEY_INVALID",
          KEY_SHAPE.test(key) ? "an API key of another environment" : "not an API key's shape",
        );
      }
      const hash = hashApiKey(key);
      const at = now();
      let entry = fresh ? undefined : entries.get(hash);
      if (!entry || entry.until <= at) entry = await read(hash, at);
      const { record, caller } = entry;
      if (!record || !caller) throw new GateError("ERR_API_KEY_INVALID", "no such API key");
      if (record.revokedAt !== null) throw new GateError("ERR_API_KEY_INVALID", "a revoked API key");
      if (record.expiresAt !== null && record.expiresAt.getTime() <= at) {
        throw new GateError("ERR_API_KEY_EXPIRED", "an expired API key");
      }
      return caller;
    },
    forget(hash) {
      entries.delete(hash);
    },
    get size() {
      return entries.size;
    },
  };
}

function toCaller(record: ApiKeyRecord): VerifiedToken {
  const apiKey: ApiKeyGrant = Object.freeze({
    id: record.id,
    customerId: record.customerId,
    rateLimitPerSecond: record.rateLimitPerSecond,
    lastUsedAt: record.lastUsedAt,
  });
  return Object.freeze({
    subject: `key:${record.id}`,
    clientId: null,
    scopes: new Set(record.scopes),
    kind: "key",
    roles: [],
    expiresAt: record.expiresAt ? Math.floor(record.expiresAt.getTime() / 1000) : Number.POSITIVE_INFINITY,
    claims: NO_CLAIMS,
    apiKey,
  });
}
