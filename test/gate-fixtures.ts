/**
 * What the gate's integration tests share: the frozen time their tokens are issued at, and pairs of
 * signing keys for lib/gate/jwks-test-server.ts to publish.
 */
import { createTestKey, type TestKey } from "@/lib/gate/jwks-test-server";

/** Where the gate tests' frozen clock starts (2030-01-01 12:00 UTC), in milliseconds. */
export const T0 = Date.UTC(2030, 0, 1, 12);
/** `T0` in seconds, as tokens carry times. */
export const NOW = T0 / 1000;

/** Two signing keys with these kids (the same kid twice makes an impostor: same kid, other key). */
export function createTestKeyPair(first: string, second: string): Promise<[TestKey, TestKey]> {
  return Promise.all([createTestKey(first), createTestKey(second)]);
}
