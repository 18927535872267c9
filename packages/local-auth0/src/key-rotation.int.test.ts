import { createRemoteJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLocalIssuer, type LocalIssuer } from "./create-local-issuer";
import { decode, management, managementToken, EXAMPLE_TENANT } from "./testing";

let issuer: LocalIssuer;
beforeAll(async () => {
  issuer = await createLocalIssuer({ ...EXAMPLE_TENANT, port: 0 });
});
afterAll(() => issuer.close());

async function publishedKids(): Promise<string[]> {
  const response = await fetch(`${issuer.url}.well-known/jwks.json`);
  const { keys } = (await response.json()) as { keys: Array<{ kid: string }> };
  return keys.map((key) => key.kid);
}

describe("signing key rotation", () => {
  it("signs new tokens with the new key and keeps the old one published when asked", async () => {
    const oldKid = issuer.currentKid();
    const oldToken = await managementToken(issuer);
    expect(decode(oldToken).header.kid).toBe(oldKid);

    const { kid } = await issuer.rotateKeys({ keepOld: true });
    expect(kid).not.toBe(oldKid);
    expect(issuer.currentKid()).toBe(kid);
    expect(await publishedKids()).toEqual([kid, oldKid]);

    const newToken = await managementToken(issuer);
    expect(decode(newToken).header.kid).toBe(kid);
    const jwks = createRemoteJWKSet(new URL(".well-known/jwks.json", issuer.url));
    await expect(jwtVerify(oldToken, jwks, { issuer: issuer.url })).resolves.toBeDefined();
    await expect(jwtVerify(newToken, jwks, { issuer: issuer.url })).resolves.toBeDefined();
  });

  it("drops the old keys when keepOld is false, so tokens they signed stop verifying", async () => {
    const oldToken = await managementToken(issuer);
    const { kid } = await issuer.rotateKeys({ keepOld: false });
    expect(await publishedKids()).toEqual([kid]);
    const jwks = createRemoteJWKSet(new URL(".well-known/jwks.json", issuer.url));
    await expect(jwtVerify(oldToken, jwks, { issuer: issuer.url })).rejects.toMatchObject({
      code: "ERR_JWKS_NO_MATCHING_KEY",
    });
    // The Management API refuses the old token too.
    expect((await management(issuer, oldToken, "GET", "clients")).status).toBe(401);
  });

  it("rotates and revokes through Auth0's Management API endpoints", async () => {
    const token = await managementToken(issuer);
    const before = issuer.currentKid();
    const rotated = await management(issuer, token, "POST", "keys/signing/rotate");
    expect(rotated.status).toBe(201);
    const { kid } = rotated.body as { kid: string };
    expect(await publishedKids()).toEqual([kid, before]);

    const listed = await management(issuer, token, "GET", "keys/signing");
    expect(listed.body).toEqual([
      expect.objectContaining({ kid, current: true }),
      expect.objectContaining({ kid: before, previous: true }),
    ]);

    expect((await management(issuer, token, "PUT", `keys/signing/${kid}/revoke`)).status).toBe(404);
    expect((await management(issuer, token, "PUT", `keys/signing/${before}/revoke`)).status).toBe(200);
    expect(await publishedKids()).toEqual([kid]);
  });
});
