/**
 * Helpers for tests that talk to a running local issuer over HTTP: Management API tokens, a
 * cookie-keeping browser stand-in, and the authorization code + PKCE flow driven with plain fetch.
 */
import { createHash, randomBytes } from "node:crypto";
import { decodeJwt, decodeProtectedHeader, type JWTPayload } from "jose";
import { LOCAL_ISSUER } from "./constants";
import type { LocalIssuer, LocalIssuerOptions } from "./create-local-issuer";
import { EXAMPLE_PEOPLE } from "./example-people";
import type { Auth0Client, Auth0ClientGrant } from "./auth0-records";

/** A client-credentials token response as Auth0 sends it. */
/** A tenant for the issuer's own tests: the example people, admins holding four widget permissions. */
export const EXAMPLE_TENANT = {
  users: EXAMPLE_PEOPLE,
  roles: [
    {
      name: "admin",
      description: "Every operation",
      permissions: ["get:widgets", "create:widgets", "delete:widgets", "render:widgets"],
    },
    {
      name: "member",
      description: "Every operation but deletes",
      permissions: ["get:widgets", "create:widgets", "render:widgets"],
    },
  ],
} as const satisfies LocalIssuerOptions;

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
  id_token?: string;
  refresh_token?: string;
}

/** POSTs a form to the issuer's /oauth/token and returns status and JSON body. */
export async function requestToken(
  issuer: Pick<LocalIssuer, "url">,
  params: Record<string, string>,
  init: { json?: boolean; basic?: { clientId: string; clientSecret: string } } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {
    "content-type": init.json ? "application/json" : "application/x-www-form-urlencoded",
  };
  if (init.basic) {
    const credentials = `${encodeURIComponent(init.basic.clientId)}:${encodeURIComponent(init.basic.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString("base64")}`;
  }
  const response = await fetch(`${issuer.url}oauth/token`, {
    method: "POST",
    headers,
    body: init.json ? JSON.stringify(params) : new URLSearchParams(params).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A Management API token for the seeded management client. */
export async function managementToken(issuer: LocalIssuer): Promise<string> {
  const { status, body } = await requestToken(issuer, {
    grant_type: "client_credentials",
    client_id: LOCAL_ISSUER.managementClientId,
    client_secret: LOCAL_ISSUER.managementClientSecret,
    audience: issuer.managementAudience,
  });
  if (status !== 200 || typeof body.access_token !== "string")
    throw new Error(`no management token: ${status}`);
  return body.access_token;
}

/** Calls the Management API with a bearer token; returns status and parsed JSON (undefined on 204). */
export async function management(
  issuer: LocalIssuer,
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${issuer.url}api/v2/${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/**
 * Creates a machine client through the Management API (with `fields` as POST /api/v2/clients takes
 * them; app_type non_interactive by default) and grants it `scope` on `audience`, as a tenant admin
 * does. Throws unless both answer 201. `tokenRequest` is the client-credentials form for that audience.
 */
export async function createGrantedClient(
  issuer: LocalIssuer,
  token: string,
  {
    audience,
    scope,
    ...fields
  }: { name: string; audience: string; scope: string[]; [field: string]: unknown },
): Promise<{ client: Auth0Client; grant: Auth0ClientGrant; tokenRequest: Record<string, string> }> {
  const created = await management(issuer, token, "POST", "clients", {
    app_type: "non_interactive",
    ...fields,
  });
  if (created.status !== 201) throw new Error(`client not created: ${created.status}`);
  const client = created.body as Auth0Client;
  const granted = await management(issuer, token, "POST", "client-grants", {
    client_id: client.client_id,
    audience,
    scope,
  });
  if (granted.status !== 201) throw new Error(`client grant not created: ${granted.status}`);
  return {
    client,
    grant: granted.body as Auth0ClientGrant,
    tokenRequest: {
      grant_type: "client_credentials",
      client_id: client.client_id,
      client_secret: client.client_secret,
      audience,
    },
  };
}

/** Decodes a JWT's header and payload without verifying it (tests verify separately). */
export function decode(token: string): {
  header: ReturnType<typeof decodeProtectedHeader>;
  payload: JWTPayload;
} {
  return { header: decodeProtectedHeader(token), payload: decodeJwt(token) };
}

/** A minimal browser: keeps cookies per name and follows nothing by itself. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set("cookie", [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    }
    const response = await fetch(url, { ...init, headers, redirect: "manual" });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = cookie.split(";");
      const index = pair.indexOf("=");
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (!value || expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }
}

/** A PKCE verifier and its S256 challenge (RFC 7636). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/**
 * Follows redirects from `start` (GET, cookies kept) until one leaves the issuer, and returns that
 * location; stops at a page (200) and returns its HTML instead.
 */
export async function follow(
  jar: CookieJar,
  issuerUrl: string,
  start: string,
): Promise<{ location?: URL; html?: string; status: number }> {
  let next = new URL(start, issuerUrl);
  for (let hops = 0; hops < 10; hops++) {
    if (next.origin !== new URL(issuerUrl).origin) return { location: next, status: 302 };
    const response = await jar.fetch(next.href);
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      next = new URL(location, next);
      continue;
    }
    return { html: await response.text(), status: response.status };
  }
  throw new Error("too many redirects");
}

/** The `action` of the login page's button for a demo user. */
export function loginActionFor(html: string, email: string): string {
  const forms = html.split("<form").slice(1);
  const form = forms.find((candidate) => candidate.includes(`value="${email}"`));
  const action = form ? /action="([^"]+)"/.exec(form)?.[1] : undefined;
  if (!action) throw new Error(`no login button for ${email}`);
  return action;
}

/**
 * Runs the authorization code + PKCE flow as @auth0/nextjs-auth0 does (audience in the authorization
 * request, code exchange with client_secret_post) and returns the token response.
 */
export async function signIn(
  issuer: LocalIssuer,
  options: {
    email: string;
    redirectUri: string;
    scope?: string;
    audience?: string;
    jar?: CookieJar;
    /** The application signing in; default the seeded dashboard application. */
    clientId?: string;
    clientSecret?: string;
  },
): Promise<{ status: number; body: TokenResponse & Record<string, unknown>; nonce: string; jar: CookieJar }> {
  const jar = options.jar ?? new CookieJar();
  const { verifier, challenge } = pkcePair();
  const nonce = randomBytes(16).toString("base64url");
  const state = randomBytes(16).toString("base64url");
  const authorize = new URL("authorize", issuer.url);
  const clientId = options.clientId ?? LOCAL_ISSUER.dashboard.clientId;
  authorize.search = new URLSearchParams({
    client_id: clientId,
    response_type: "code",
    redirect_uri: options.redirectUri,
    scope: options.scope ?? "openid profile email offline_access",
    ...(options.audience === "" ? {} : { audience: options.audience ?? issuer.audience }),
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();

  let result = await follow(jar, issuer.url, authorize.href);
  if (result.html !== undefined) {
    const action = loginActionFor(result.html, options.email);
    const posted = await jar.fetch(new URL(action, issuer.url).href, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ email: options.email }).toString(),
    });
    const location = posted.headers.get("location");
    if (!location) throw new Error(`login did not redirect: ${posted.status}`);
    result = await follow(jar, issuer.url, location);
  }
  const callback = result.location;
  if (!callback)
    throw new Error(`flow did not reach the callback: ${result.status} ${result.html?.slice(0, 300)}`);
  if (callback.searchParams.get("state") !== state) throw new Error("state mismatch");
  const code = callback.searchParams.get("code");
  if (!code) throw new Error(`no code: ${callback.search}`);

  const { status, body } = await requestToken(issuer, {
    grant_type: "authorization_code",
    code,
    redirect_uri: options.redirectUri,
    code_verifier: verifier,
    client_id: clientId,
    client_secret: options.clientSecret ?? LOCAL_ISSUER.dashboard.clientSecret,
  });
  return { status, body: body as TokenResponse & Record<string, unknown>, nonce, jar };
}

/**
 * Opens the newest verification link the issuer mailed to `email`, as a person would: the link found
 * on the local mailbox page, fetched over HTTP. Returns the link page's status.
 */
export async function openVerificationLink(issuer: Pick<LocalIssuer, "url">, email: string): Promise<number> {
  const mailbox = await (await fetch(new URL("/_local/mailbox", issuer.url))).text();
  const links = [...mailbox.matchAll(/<a href="([^"]+)">Verify ([^<]+)<\/a>/g)];
  // The page lists the newest email first.
  const link = links.find((match) => match[2] === email)?.[1];
  if (!link) throw new Error(`no verification email to ${email} in the mailbox`);
  const response = await fetch(new URL(link.replaceAll("&amp;", "&"), issuer.url));
  await response.text();
  return response.status;
}
