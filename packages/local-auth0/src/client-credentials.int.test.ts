import { createRemoteJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalIssuer, type LocalIssuer } from "./create-local-issuer";
import type { Auth0Client } from "./auth0-records";
import {
  createGrantedClient,
  decode,
  management,
  managementToken,
  requestToken,
  EXAMPLE_TENANT,
} from "./testing";

let issuer: LocalIssuer;
let mgmt: string;
let client: Auth0Client;
let tokenRequest: Record<string, string>;

beforeAll(async () => {
  issuer = await createLocalIssuer({ ...EXAMPLE_TENANT, port: 0, audience: "https://api.example.test/" });
  mgmt = await managementToken(issuer);
  ({ client, tokenRequest } = await createGrantedClient(issuer, mgmt, {
    name: "Acme backend",
    grant_types: ["client_credentials"],
    client_metadata: { customer: "cus_123" },
    audience: issuer.audience,
    scope: ["get:widgets", "create:widgets"],
  }));
});
afterAll(() => issuer.close());

function credentials(extra: Record<string, string> = {}): Record<string, string> {
  return { ...tokenRequest, ...extra };
}

describe("client credentials (Auth0 M2M)", () => {
  it("issues an Auth0-shaped machine token, verifiable with the issuer's remote JWKS", async () => {
    const { status, body } = await requestToken(issuer, credentials());
    expect(status).toBe(200);
    expect(body).toMatchObject({
      token_type: "Bearer",
      expires_in: 86_400,
      scope: "get:widgets create:widgets",
    });
    const token = String(body.access_token);

    const { header } = decode(token);
    expect(header).toMatchObject({ alg: "RS256", typ: "JWT", kid: issuer.currentKid() });

    const jwks = createRemoteJWKSet(new URL(".well-known/jwks.json", issuer.url));
    const { payload } = await jwtVerify(token, jwks, { issuer: issuer.url, audience: issuer.audience });
    expect(payload.iss).toBe(issuer.url);
    expect(payload.iss?.endsWith("/")).toBe(true);
    expect(payload).toMatchObject({
      sub: `${client.client_id}@clients`,
      aud: issuer.audience,
      azp: client.client_id,
      gty: "client-credentials",
      scope: "get:widgets create:widgets",
      permissions: ["get:widgets", "create:widgets"],
    });
    expect(payload).not.toHaveProperty("client_id");
    expect(typeof payload.iat).toBe("number");
    expect(payload.exp).toBe((payload.iat ?? 0) + 86_400);
  });

  it("accepts a JSON body and HTTP Basic client authentication, as Auth0 does", async () => {
    const json = await requestToken(issuer, credentials(), { json: true });
    expect(json.status).toBe(200);
    const basic = await requestToken(
      issuer,
      { grant_type: "client_credentials", audience: issuer.audience },
      { basic: { clientId: client.client_id, clientSecret: client.client_secret } },
    );
    expect(basic.status).toBe(200);
    expect(decode(String(basic.body.access_token)).payload.sub).toBe(`${client.client_id}@clients`);
  });

  it("narrows the scopes to those requested", async () => {
    const { status, body } = await requestToken(issuer, credentials({ scope: "get:widgets" }));
    expect(status).toBe(200);
    expect(body.scope).toBe("get:widgets");
    expect(decode(String(body.access_token)).payload).toMatchObject({
      scope: "get:widgets",
      permissions: ["get:widgets"],
    });
  });

  it("refuses scopes the client grant does not hold with 403 access_denied", async () => {
    const { status, body } = await requestToken(issuer, credentials({ scope: "get:widgets delete:widgets" }));
    expect(status).toBe(403);
    expect(body).toEqual({
      error: "access_denied",
      error_description: "Client has not been granted scopes: delete:widgets",
    });
  });

  it("refuses an audience the client has no grant for with 403 access_denied", async () => {
    const { status, body } = await requestToken(issuer, credentials({ audience: issuer.managementAudience }));
    expect(status).toBe(403);
    expect(body.error).toBe("access_denied");
    expect(body.error_description).toContain(`Client "${client.client_id}" is not authorized to access`);
  });

  it("refuses an unknown audience and a missing audience with 403 access_denied", async () => {
    const unknown = await requestToken(issuer, credentials({ audience: "https://nope.example/" }));
    expect(unknown).toEqual({
      status: 403,
      body: { error: "access_denied", error_description: "Service not found: https://nope.example/" },
    });
    const { audience: _audience, ...withoutAudience } = credentials();
    const missing = await requestToken(issuer, withoutAudience);
    expect(missing.status).toBe(403);
    expect(missing.body.error).toBe("access_denied");
  });

  it("refuses a wrong secret and an unknown client with 401 invalid_client", async () => {
    const wrong = await requestToken(issuer, credentials({ client_secret: "wrong" }));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe("invalid_client");
    const unknown = await requestToken(issuer, credentials({ client_id: "no-such-client" }));
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe("invalid_client");
  });

  it("stops issuing tokens when the client grant or the client is deleted", async () => {
    const {
      client: shortLived,
      grant,
      tokenRequest: params,
    } = await createGrantedClient(issuer, mgmt, {
      name: "Short-lived",
      grant_types: ["client_credentials"],
      audience: issuer.audience,
      scope: ["get:widgets"],
    });
    expect((await requestToken(issuer, params)).status).toBe(200);

    expect((await management(issuer, mgmt, "DELETE", `client-grants/${grant.id}`)).status).toBe(204);
    expect((await requestToken(issuer, params)).status).toBe(403);

    await management(issuer, mgmt, "POST", "client-grants", {
      client_id: shortLived.client_id,
      audience: issuer.audience,
      scope: ["get:widgets"],
    });
    expect((await requestToken(issuer, params)).status).toBe(200);
    expect((await management(issuer, mgmt, "DELETE", `clients/${shortLived.client_id}`)).status).toBe(204);
    const refused = await requestToken(issuer, params);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe("invalid_client");
  });
});
