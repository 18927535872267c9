import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";

/** An RS256 signing key; `privateJwk` carries its `kid`, `alg` and `use`. */
export interface SigningKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
  created_at: string;
}

/** A new RS256 key pair as JWKs, `kid` = RFC 7638 thumbprint (Auth0's kids are opaque strings too). */
export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair("RS256", { modulusLength: 2048, extractable: true });
  return signingKeyFromJwk(await exportJWK(privateKey), new Date().toISOString());
}

/** A signing key from a stored private JWK (the state file keeps only those). */
export async function signingKeyFromJwk(jwk: JWK, createdAt: string): Promise<SigningKey> {
  const kid = jwk.kid ?? (await calculateJwkThumbprint(jwk));
  const privateJwk: JWK = { ...jwk, kid, alg: "RS256", use: "sig" };
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = privateJwk;
  return { kid, privateJwk, publicJwk, created_at: createdAt };
}
