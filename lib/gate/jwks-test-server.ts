import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";

// Test support only (imported by *.test.ts beside it): a real JWKS endpoint on 127.0.0.1, and keys.

/** A signing key made in the test, with its public JWK as an issuer would publish it. */
export interface TestKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

/** Generates an RS256 key pair whose public JWK carries `kid`, `alg` and `use: "sig"`. */
export async function createTestKey(kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return { kid, privateKey, publicKey, publicJwk };
}

/** Signs claims with a test key; `header` overrides or adds protected header members. */
export function signTestToken(
  key: TestKey,
  claims: JWTPayload,
  header: Record<string, unknown> = {},
  crit?: Record<string, boolean>,
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: key.kid, ...header })
    .sign(key.privateKey, crit ? { crit } : undefined);
}

/** How the server answers: serve the JWKS, fail with 503, reset the connection, or never answer. */
export type JwksServerMode = "up" | "http-503" | "reset" | "hang";

/** A local JWKS endpoint that counts requests. */
export interface JwksTestServer {
  /** `http://127.0.0.1:<port>/` */
  issuer: string;
  /** `${issuer}.well-known/jwks.json` */
  jwksUri: string;
  /** Requests received so far, any path. */
  readonly requests: number;
  /** The document served: a key list (published as `{ keys }`) or any raw body. */
  serve(document: TestKey[] | { raw: string; contentType?: string }): void;
  mode: JwksServerMode;
  /** Delay answers until `release()` (to observe a fetch in flight). */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

/** Starts a JWKS server on an ephemeral port of 127.0.0.1. */
export async function startJwksTestServer(initial: TestKey[] = []): Promise<JwksTestServer> {
  let body = JSON.stringify({ keys: initial.map((key) => key.publicJwk) });
  let contentType = "application/json";
  let requests = 0;
  let held: Array<() => void> | null = null;
  const hanging = new Set<ServerResponse>();

  const state = { mode: "up" as JwksServerMode };
  const answer = (request: IncomingMessage, response: ServerResponse) => {
    switch (state.mode) {
      case "reset":
        request.socket.destroy();
        return;
      case "hang":
        hanging.add(response);
        return;
      case "http-503":
        response.writeHead(503, { "content-type": "text/plain" }).end("down");
        return;
      case "up":
        response.writeHead(200, { "content-type": contentType }).end(body);
    }
  };
  const server = createServer((request, response) => {
    requests += 1;
    if (held) held.push(() => answer(request, response));
    else answer(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}/`;

  return {
    issuer,
    jwksUri: `${issuer}.well-known/jwks.json`,
    get requests() {
      return requests;
    },
    serve(document) {
      if (Array.isArray(document)) {
        body = JSON.stringify({ keys: document.map((key) => key.publicJwk) });
        contentType = "application/json";
      } else {
        body = document.raw;
        contentType = document.contentType ?? "application/json";
      }
    },
    get mode() {
      return state.mode;
    },
    set mode(mode) {
      state.mode = mode;
    },
    hold() {
      held ??= [];
    },
    release() {
      const pending = held ?? [];
      held = null;
      for (const respond of pending) respond();
    },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
