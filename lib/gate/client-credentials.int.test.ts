/**
 * The outbound client-credentials helper against the real local issuer (oidc-provider behind Auth0's
 * paths) on loopback, and against small loopback servers for the failures an issuer rarely produces.
 * Requests are counted by a fetch that counts and then calls the real fetch.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDemoIssuer } from "@/dev/demo-tenant";
import type { LocalIssuer } from "@tollgate/local-auth0";
import {
  ClientCredentialsError,
  createClientCredentials,
  type ClientCredentialsOptions,
} from "./client-credentials";
import { createGate } from "./create-gate";

const AUDIENCE = "https://api.client-credentials.test/";
const CLIENT = { clientId: "upstream-caller", clientSecret: "upstream-caller-secret-0123456789" };

let issuer: LocalIssuer;
let requests = 0;
const countingFetch: typeof fetch = (input, init) => {
  requests += 1;
  return fetch(input, init);
};

beforeAll(async () => {
  issuer = await createDemoIssuer({
    port: 0,
    audience: AUDIENCE,
    clients: [
      {
        client_id: CLIENT.clientId,
        client_secret: CLIENT.clientSecret,
        name: "Upstream caller",
        app_type: "non_interactive",
        grant_types: ["client_credentials"],
        grants: [{ audience: AUDIENCE, scope: ["get:widgets", "create:widgets"] }],
      },
    ],
  });
});
afterAll(async () => {
  await issuer.close();
});
beforeEach(() => {
  requests = 0;
});

function tokenSource(options: Partial<ClientCredentialsOptions> = {}) {
  return createClientCredentials({
    tokenUrl: `${issuer.url}oauth/token`,
    ...CLIENT,
    endpointParams: { audience: AUDIENCE },
    fetch: countingFetch,
    ...options,
  });
}

async function rejection(promise: Promise<unknown>): Promise<ClientCredentialsError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ClientCredentialsError);
  return error as ClientCredentialsError;
}

describe("createClientCredentials against the local issuer", () => {
  it("gets a machine token for the audience that the gate verifies", async () => {
    const token = await tokenSource({ scopes: ["get:widgets"] }).getToken();
    const gate = createGate({
      issuer: issuer.url,
      jwksUri: `${issuer.url}.well-known/jwks.json`,
      audience: AUDIENCE,
    });
    const caller = await gate.verify(token);
    expect(caller).toMatchObject({ subject: `${CLIENT.clientId}@clients`, kind: "machine" });
    expect([...caller.scopes]).toEqual(["get:widgets"]);
  });

  it("serves the cached token without another request", async () => {
    const source = tokenSource();
    const first = await source.getToken();
    expect(await source.getToken()).toBe(first);
    expect(requests).toBe(1);
  });

  it("makes exactly one request for 50 concurrent callers", async () => {
    const source = tokenSource();
    const tokens = await Promise.all(Array.from({ length: 50 }, () => source.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(requests).toBe(1);
  });

  it("replaces the token refreshBeforeSeconds before it expires (the issuer's tokens last 86,400 s)", async () => {
    let clock = Date.now();
    const source = tokenSource({ refreshBeforeSeconds: 60, now: () => clock });
    const first = await source.getToken();
    clock += (86_400 - 61) * 1000;
    expect(await source.getToken()).toBe(first);
    expect(requests).toBe(1);
    clock += 2_000;
    const second = await source.getToken();
    expect(requests).toBe(2);
    expect(second).not.toBe(first);
    expect(await source.getToken()).toBe(second);
    expect(requests).toBe(2);
  });

  it("fetches again after invalidate()", async () => {
    const source = tokenSource();
    await source.getToken();
    source.invalidate();
    await source.getToken();
    expect(requests).toBe(2);
  });

  it("rejects a wrong secret with ERR_TOKEN_ENDPOINT_REJECTED, never echoing it, and retries on the next call", async () => {
    const secret = "wrong-secret-that-must-not-leak";
    const source = tokenSource({ clientSecret: secret });
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => rejection(source.getToken())));
    expect(requests).toBe(1);
    const [error] = concurrent;
    expect(error).toMatchObject({
      code: "ERR_TOKEN_ENDPOINT_REJECTED",
      status: 401,
      oauthError: "invalid_client",
    });
    expect(`${error?.message} ${error?.reason} ${JSON.stringify(error)}`).not.toContain(secret);

    expect((await rejection(source.getToken())).code).toBe("ERR_TOKEN_ENDPOINT_REJECTED");
    expect(requests).toBe(2);
  });

  it("rejects scopes the client grant does not hold with access_denied", async () => {
    const error = await rejection(tokenSource({ scopes: ["delete:widgets"] }).getToken());
    expect(error).toMatchObject({
      code: "ERR_TOKEN_ENDPOINT_REJECTED",
      status: 403,
      oauthError: "access_denied",
    });
  });

  it("refuses a plain-http token URL off loopback and endpointParams that override the grant", () => {
    expect(() => tokenSource({ tokenUrl: "http://issuer.example.com/oauth/token" })).toThrow(TypeError);
    expect(() => tokenSource({ endpointParams: { client_id: "someone-else" } })).toThrow(/client_id/);
  });
});

describe("createClientCredentials when the token endpoint misbehaves", () => {
  let server: Server;
  let answer: (res: import("node:http").ServerResponse) => void = () => {};
  let url = "";

  beforeAll(async () => {
    server = createServer((_req, res) => answer(res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/token`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const json = (status: number, body: unknown) => (res: import("node:http").ServerResponse) => {
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  };

  it("reports a 2xx without a bearer token as ERR_TOKEN_RESPONSE_INVALID", async () => {
    answer = json(200, { token_type: "Bearer", expires_in: 60 });
    expect((await rejection(tokenSource({ tokenUrl: url }).getToken())).code).toBe(
      "ERR_TOKEN_RESPONSE_INVALID",
    );
    answer = json(200, { access_token: "abc", token_type: "DPoP", expires_in: 60 });
    expect((await rejection(tokenSource({ tokenUrl: url }).getToken())).code).toBe(
      "ERR_TOKEN_RESPONSE_INVALID",
    );
  });

  it("reports a 503 as ERR_TOKEN_ENDPOINT_FAILED and a redirect is not followed", async () => {
    answer = json(503, { error: "temporarily_unavailable" });
    expect(await rejection(tokenSource({ tokenUrl: url }).getToken())).toMatchObject({
      code: "ERR_TOKEN_ENDPOINT_FAILED",
      status: 503,
    });
    answer = (res) => res.writeHead(307, { location: "http://127.0.0.1:9/steal" }).end();
    expect(await rejection(tokenSource({ tokenUrl: url }).getToken())).toMatchObject({
      code: "ERR_TOKEN_ENDPOINT_FAILED",
      status: 307,
    });
  });

  it("gives up after timeoutMs with ERR_TOKEN_ENDPOINT_UNREACHABLE", async () => {
    answer = () => {}; // never answers
    const error = await rejection(tokenSource({ tokenUrl: url, timeoutMs: 100 }).getToken());
    expect(error.code).toBe("ERR_TOKEN_ENDPOINT_UNREACHABLE");
    expect(error.reason).toMatch(/TimeoutError/);
  });

  it("reports a closed port as ERR_TOKEN_ENDPOINT_UNREACHABLE", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await rejection(
      tokenSource({ tokenUrl: `http://127.0.0.1:${port}/oauth/token` }).getToken(),
    );
    expect(error.code).toBe("ERR_TOKEN_ENDPOINT_UNREACHABLE");
  });

  it("does not cache a response without expires_in", async () => {
    answer = json(200, { access_token: "opaque", token_type: "bearer" });
    const source = tokenSource({ tokenUrl: url });
    expect(await source.getToken()).toBe("opaque");
    await source.getToken();
    expect(requests).toBe(2);
  });
});
