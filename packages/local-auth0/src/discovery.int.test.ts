import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLE_TENANT } from "./testing";
import { createLocalIssuer, type LocalIssuer } from "./create-local-issuer";

let issuer: LocalIssuer;
beforeAll(async () => {
  issuer = await createLocalIssuer({ ...EXAMPLE_TENANT, port: 0 });
});
afterAll(() => issuer.close());

describe("discovery and JWKS", () => {
  it("returns the real ephemeral URL with Auth0's trailing slash", () => {
    expect(issuer.url).toMatch(/^http:\/\/localhost:\d+\/$/);
    expect(issuer.port).toBeGreaterThan(0);
    expect(issuer.url).toBe(`http://localhost:${issuer.port}/`);
  });

  it("publishes Auth0's endpoint paths in the discovery document", async () => {
    const response = await fetch(`${issuer.url}.well-known/openid-configuration`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: issuer.url,
      authorization_endpoint: `${issuer.url}authorize`,
      token_endpoint: `${issuer.url}oauth/token`,
      userinfo_endpoint: `${issuer.url}userinfo`,
      jwks_uri: `${issuer.url}.well-known/jwks.json`,
      end_session_endpoint: `${issuer.url}oidc/logout`,
      revocation_endpoint: `${issuer.url}oauth/revoke`,
      id_token_signing_alg_values_supported: ["RS256"],
      code_challenge_methods_supported: ["S256"],
    });
    expect(doc.grant_types_supported).toEqual(
      expect.arrayContaining(["authorization_code", "client_credentials"]),
    );
    expect(doc.scopes_supported).toEqual(
      expect.arrayContaining(["openid", "profile", "email", "offline_access"]),
    );
  });

  it("serves public RS256 signing keys with a kid at /.well-known/jwks.json", async () => {
    const response = await fetch(`${issuer.url}.well-known/jwks.json`);
    expect(response.status).toBe(200);
    const { keys } = (await response.json()) as { keys: Array<Record<string, unknown>> };
    expect(keys).toHaveLength(1);
    const [key] = keys;
    expect(key).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", kid: issuer.currentKid(), e: "AQAB" });
    expect(typeof key?.n).toBe("string");
    for (const privatePart of ["d", "p", "q", "dp", "dq", "qi"]) expect(key).not.toHaveProperty(privatePart);
  });

  it("does not serve oidc-provider's default /jwks path", async () => {
    const response = await fetch(`${issuer.url}jwks`);
    expect(response.status).toBe(404);
  });

  it("listens on loopback only", async () => {
    const { networkInterfaces } = await import("node:os");
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === "IPv4" && !address.internal);
    if (!external) return;
    await expect(fetch(`http://${external.address}:${issuer.port}/.well-known/jwks.json`)).rejects.toThrow();
  });
});
