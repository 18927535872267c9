import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  createApiKeyVerifier,
  describeApiKey,
  generateApiKey,
  hashApiKey,
  isApiKey,
  type ApiKeyRecord,
  type ApiKeyVerifierOptions,
} from "./api-keys";
import { isGateError } from "./errors";

const T0 = Date.UTC(2030, 0, 1);

describe("generateApiKey", () => {
  it.each(["test", "live"] as const)(
    "makes tg_%s_ and 43 base62 characters, its visible start and its SHA-256",
    (environment) => {
      const { key, prefix, hash } = generateApiKey(environment);
      expect(key).toMatch(new RegExp(`^tg_${environment}_[0-9A-Za-z]{43}$`));
      expect(prefix).toBe(key.slice(0, `tg_${environment}_`.length + 8));
      expect(hash).toBe(createHash("sha256").update(key).digest("hex"));
      expect(hashApiKey(key)).toBe(hash);
    },
  );

  it("never makes the same key twice, and spreads over the whole alphabet", () => {
    const keys = Array.from({ length: 2000 }, () => generateApiKey("test").key);
    expect(new Set(keys).size).toBe(keys.length);
    const characters = new Set(keys.flatMap((key) => [...key.slice("tg_test_".length)]));
    expect(characters.size).toBe(62);
  });

  it("describes a key made elsewhere as it describes its own: visible start and SHA-256", () => {
    const key = `tg_test_${"LocalDemo".repeat(4)}1234567`;
    expect(describeApiKey(key)).toEqual({ key, prefix: "tg_test_LocalDem", hash: hashApiKey(key) });
  });

  it("tells keys from JWTs by their start", () => {
    expect(isApiKey(generateApiKey("live").key)).toBe(true);
    expect(isApiKey("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")).toBe(false);
  });
});

/** A verifier over an in-memory table of keys, counting its reads, on a clock the test moves. */
function verifierOver(records: Map<string, ApiKeyRecord>, options: Partial<ApiKeyVerifierOptions> = {}) {
  const clock = { now: T0 };
  const reads: string[] = [];
  const verifier = createApiKeyVerifier({
    environment: "test",
    lookup: (hash) => {
      reads.push(hash);
      return Promise.resolve(records.get(hash) ?? null);
    },
    now: () => clock.now,
    ...options,
  });
  return { verifier, reads, clock };
}

function record(overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id: "00000000-0000-4000-8000-000000000001",
    customerId: "00000000-0000-4000-8000-000000000002",
    scopes: ["get:widgets"],
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    rateLimitPerSecond: null,
    ...overrides,
  };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  if (!isGateError(error)) throw new Error("expected a GateError");
  return error.code;
}

describe("createApiKeyVerifier", () => {
  it("verifies a key from one read, then from its cache until the cache time is up", async () => {
    const { key, hash } = generateApiKey("test");
    const { verifier, reads, clock } = verifierOver(new Map([[hash, record()]]));
    const caller = await verifier.verify(key);
    expect(caller).toMatchObject({ kind: "key", subject: `key:${record().id}`, clientId: null });
    expect([...caller.scopes]).toEqual(["get:widgets"]);
    expect(caller.apiKey).toMatchObject({ customerId: record().customerId, rateLimitPerSecond: null });
    expect(await verifier.verify(key)).toBe(caller);
    clock.now += 29_999;
    await verifier.verify(key);
    expect(reads).toHaveLength(1);
    clock.now += 1;
    await verifier.verify(key);
    expect(reads).toHaveLength(2);
  });

  it("reads the database again when asked for a fresh answer, and sees a revocation at once", async () => {
    const { key, hash } = generateApiKey("test");
    const records = new Map([[hash, record()]]);
    const { verifier, reads } = verifierOver(records);
    await verifier.verify(key);
    records.set(hash, record({ revokedAt: new Date(T0) }));
    await verifier.verify(key); // the cached answer, as a proxy would give for up to 30 s
    expect(await codeOf(verifier.verify(key, { fresh: true }))).toBe("ERR_API_KEY_INVALID");
    expect(await codeOf(verifier.verify(key))).toBe("ERR_API_KEY_INVALID"); // the fresh read is cached
    expect(reads).toHaveLength(2);
  });

  it("forgets a key when told (a revocation on this instance)", async () => {
    const { key, hash } = generateApiKey("test");
    const records = new Map([[hash, record()]]);
    const { verifier } = verifierOver(records);
    await verifier.verify(key);
    records.set(hash, record({ revokedAt: new Date(T0) }));
    verifier.forget(hash);
    expect(await codeOf(verifier.verify(key))).toBe("ERR_API_KEY_INVALID");
  });

  it("refuses a cached key once it expires, without another read", async () => {
    const { key, hash } = generateApiKey("test");
    const { verifier, reads, clock } = verifierOver(
      new Map([[hash, record({ expiresAt: new Date(T0 + 1000) })]]),
    );
    await verifier.verify(key);
    clock.now += 1000;
    expect(await codeOf(verifier.verify(key))).toBe("ERR_API_KEY_EXPIRED");
    expect(reads).toHaveLength(1);
  });

  it("remembers an unknown key for 5 s, so a flood of it costs one read", async () => {
    const { key } = generateApiKey("test");
    const { verifier, reads, clock } = verifierOver(new Map());
    for (let i = 0; i < 100; i++) expect(await codeOf(verifier.verify(key))).toBe("ERR_API_KEY_INVALID");
    expect(reads).toHaveLength(1);
    clock.now += 5000;
    await codeOf(verifier.verify(key));
    expect(reads).toHaveLength(2);
  });

  it.each([
    ["garbage after tg_", "tg_garbage"],
    ["one character short", `tg_test_${"a".repeat(42)}`],
    ["a character outside base62", `tg_test_${"a".repeat(42)}-`],
    ["a live key sent to a test environment", generateApiKey("live").key],
  ])("refuses %s by its shape, reading nothing", async (_name, key) => {
    const { verifier, reads } = verifierOver(new Map());
    expect(await codeOf(verifier.verify(key))).toBe("ERR_API_KEY_INVALID");
    expect(reads).toHaveLength(0);
  });

  it("keeps at most maxEntries keys, dropping the oldest", async () => {
    const keys = [generateApiKey("test"), generateApiKey("test"), generateApiKey("test")];
    const records = new Map(keys.map(({ hash }) => [hash, record()]));
    const { verifier, reads } = verifierOver(records, { maxEntries: 2 });
    for (const { key } of keys) await verifier.verify(key);
    expect(verifier.size).toBe(2);
    await verifier.verify(keys[2]?.key ?? "");
    expect(reads).toHaveLength(3);
    await verifier.verify(keys[0]?.key ?? "");
    expect(reads).toHaveLength(4);
  });
});
