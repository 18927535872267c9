import type { JWTPayload } from "jose";
import { catalog } from "@/product/operations";
import {
  createTestKey,
  signTestToken,
  startJwksTestServer,
  type JwksTestServer,
  type TestKey,
} from "@/lib/gate/jwks-test-server";

// No vitest here: the in-process benchmarks (bench/lib/in-process.ts) sign their tokens with it too.

/** The audience the integration tests' tokens are for (AUTH0_AUDIENCE). */
export const TEST_AUDIENCE = "https://api.tollgate.test/";

/** Every scope of the API's operations (product/operations.ts), space-separated as in a token. */
export const ALL_SCOPES = catalog.scopes.join(" ");

export interface MachineTokenOptions {
  /** Space-separated scopes; every scope of the API by default. */
  scope?: string;
  /** Seconds from `iat` to `exp`; an hour by default. */
  ttl?: number;
  /** Issued at, in seconds since the epoch; now by default (a test on a frozen clock passes its own). */
  iat?: number;
  /** A token id, so that two tokens of one client are never the same (no verified-token cache hit). */
  jti?: string;
}

/** A local JWKS endpoint serving one test key, and machine tokens signed with that key. */
export interface TestIssuer extends JwksTestServer {
  key: TestKey;
  audience: string;
  /** The claims of an Auth0 client-credentials token for `clientId`, as Auth0 issues them. */
  machineClaims(clientId: string, options?: MachineTokenOptions): JWTPayload;
  /** `machineClaims`, signed with the issuer's key. */
  machineToken(clientId: string, options?: MachineTokenOptions): Promise<string>;
}

/**
 * Starts a JWKS server on loopback with a new key `kid`; point AUTH0_ISSUER at `issuer` and
 * AUTH0_AUDIENCE at `audience`. Example: `(await startTestIssuer("k1")).machineToken("ci", { ttl: 60 })`.
 */
export async function startTestIssuer(kid: string, audience = TEST_AUDIENCE): Promise<TestIssuer> {
  const key = await createTestKey(kid);
  const server = await startJwksTestServer([key]);
  const machineClaims = (clientId: string, options: MachineTokenOptions = {}): JWTPayload => {
    const iat = options.iat ?? Math.floor(Date.now() / 1000);
    return {
      iss: server.issuer,
      aud: audience,
      sub: `${clientId}@clients`,
      azp: clientId,
      gty: "client-credentials",
      scope: options.scope ?? ALL_SCOPES,
      ...(options.jti !== undefined ? { jti: options.jti } : {}),
      iat,
      exp: iat + (options.ttl ?? 3600),
    };
  };
  // Assigned onto the server, not spread: `requests` and `mode` are accessors.
  return Object.assign(server, {
    key,
    audience,
    machineClaims,
    machineToken: (clientId: string, options?: MachineTokenOptions) =>
      signTestToken(key, machineClaims(clientId, options)),
  });
}
