import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";

/**
 * The verified caller, as the proxy hands it to route handlers. The proxy strips any incoming header of
 * this name and signs what it sets, so a request that bypasses the proxy (Next.js has had such CVEs)
 * cannot forge an identity: the handler refuses a header whose signature does not verify.
 */
export const IDENTITY_HEADER = "x-tollgate-identity";

/** Who is calling, from a verified access token. */
export interface CallerIdentity {
  /** The token's `sub`: an Auth0 user id, or `<client_id>@clients` for machines. */
  subject: string;
  kind: "person" | "machine";
  /** `azp` / `client_id`: the application that obtained the token. */
  clientId: string | null;
  scopes: string[];
  /** The token's `exp`, in seconds since the epoch. */
  expiresAt: number;
}

/** Derives the identity-signing key from the app secret, so it differs from the session key. */
export function identityKey(appSecret: string): Buffer {
  return Buffer.from(hkdfSync("sha256", appSecret, "tollgate", "identity header v1", 32));
}

/** Serializes and signs an identity for the identity header. */
export function signIdentity(identity: CallerIdentity, key: Buffer): string {
  const payload = Buffer.from(JSON.stringify(identity)).toString("base64url");
  return `${payload}.${mac(payload, key)}`;
}

/**
 * Verifies a signed identity header value; null when absent, tampered, malformed or expired.
 * `now` is in seconds since the epoch.
 */
export function verifyIdentity(value: string | null, key: Buffer, now: number): CallerIdentity | null {
  if (!value) return null;
  const dot = value.indexOf(".");
  if (dot <= 0) return null;
  const payload = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1), "base64url");
  const expected = Buffer.from(mac(payload, key), "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    const identity = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as CallerIdentity;
    return identity.expiresAt > now ? identity : null;
  } catch {
    return null;
  }
}

function mac(payload: string, key: Buffer): string {
  return createHmac("sha256", key).update(payload).digest("base64url");
}
