import type { IncomingMessage, ServerResponse } from "node:http";
import { createLocalJWKSet, errors as joseErrors, jwtVerify } from "jose";
import type Provider from "oidc-provider";
import { userClaims } from "./build-provider";
import { escapeHtml, readParams, redirect, sendHtml, sendJson, urlAllowed } from "@tollgate/local-http";
import type { IssuerState } from "./issuer-state";

/**
 * Auth0 takes `audience` where RFC 8707 (and oidc-provider) take `resource`, and issues refresh
 * tokens for `offline_access` without `prompt=consent`. Rewrites GET /authorize accordingly.
 */
export function rewriteAuthorizeUrl(req: IncomingMessage, url: URL): void {
  const params = url.searchParams;
  const audience = params.get("audience");
  if (audience && !params.has("resource")) params.set("resource", audience);
  params.delete("audience");
  const scopes = (params.get("scope") ?? "").split(" ");
  // oidc-provider drops offline_access unless consent is prompted; consent is automatic here anyway.
  if (scopes.includes("offline_access") && !params.has("prompt")) params.set("prompt", "consent");
  req.url = `${url.pathname}?${params.toString()}`;
}

/**
 * Prepares POST /oauth/token for oidc-provider: reads the form or JSON body (Auth0 accepts both),
 * translates `audience` to `resource` for client credentials, and hands the parsed body on through
 * `req.body` (which oidc-provider reads when the stream is already consumed). Returns false when it
 * has answered the request itself.
 */
export async function prepareTokenRequest(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const params = await readParams(req);
  if (params.grant_type === "client_credentials") {
    const audience = params.audience ?? params.resource;
    if (!audience) {
      sendJson(res, 403, {
        error: "access_denied",
        error_description: "No audience parameter was provided, and no default audience has been configured",
      });
      return false;
    }
    params.resource = audience;
  }
  delete params.audience;
  // oidc-provider (through Koa's type-is) only parses a body the headers announce.
  req.headers["content-type"] = "application/x-www-form-urlencoded";
  req.headers["content-length"] = String(Buffer.byteLength(new URLSearchParams(params).toString()));
  delete req.headers["transfer-encoding"];
  Object.assign(req, { body: params });
  return true;
}

/** GET /v2/logout: ends the issuer session and returns to `returnTo` if the client allows it. */
export async function handleAuth0Logout(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  provider: Provider,
  state: IssuerState,
): Promise<void> {
  const clientId = url.searchParams.get("client_id");
  const returnTo = url.searchParams.get("returnTo");
  const client = clientId ? state.clients.get(clientId) : undefined;
  if (clientId && !client) {
    sendHtml(res, 400, logoutPage(`invalid_request: the client_id "${clientId}" does not exist.`));
    return;
  }
  // With no client_id Auth0 checks the tenant's allow-list: here, every client's.
  const allowed = client
    ? client.allowed_logout_urls
    : [...state.clients.values()].flatMap((c) => c.allowed_logout_urls);
  if (returnTo && !urlAllowed(returnTo, allowed, { ignoreQuery: true })) {
    sendHtml(
      res,
      400,
      logoutPage(
        `invalid_request: The "returnTo" querystring parameter "${returnTo}" is not defined as a valid URL in "Allowed Logout URLs".`,
      ),
    );
    return;
  }

  const session = await provider.Session.get(provider.createContext(req, res));
  await session.destroy();
  const expired = "Thu, 01 Jan 1970 00:00:00 GMT";
  const name = provider.cookieName("session");
  const clear = [
    `${name}=; path=/; expires=${expired}; httponly`,
    `${name}.sig=; path=/; expires=${expired}; httponly`,
  ];
  if (returnTo) {
    res.setHeader("set-cookie", clear);
    redirect(res, returnTo);
    return;
  }
  res.setHeader("set-cookie", clear);
  sendHtml(res, 200, logoutPage("You are signed out."));
}

function logoutPage(message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Logout</title></head>
<body><main><h1>Logout</h1><p>${escapeHtml(message)}</p></main></body></html>`;
}

/**
 * GET|POST /userinfo for Auth0-style JWT access tokens, whose `aud` lists `${issuer}userinfo` next to
 * the API (oidc-provider refuses tokens that carry an API audience). Opaque tokens go to oidc-provider.
 */
export async function handleJwtUserinfo(
  res: ServerResponse,
  token: string,
  issuerUrl: string,
  state: IssuerState,
): Promise<void> {
  const deny = (description: string) =>
    sendJson(
      res,
      401,
      { error: "invalid_token", error_description: description },
      {
        "www-authenticate": `Bearer realm="${issuerUrl}", error="invalid_token", error_description="${description}"`,
      },
    );
  try {
    const jwks = createLocalJWKSet({ keys: state.keys.map((key) => key.publicJwk) });
    const { payload } = await jwtVerify(token, jwks, {
      issuer: issuerUrl,
      audience: `${issuerUrl}userinfo`,
      algorithms: ["RS256"],
    });
    const user = typeof payload.sub === "string" ? state.users.get(payload.sub) : undefined;
    if (!user) return deny("the token's subject is not a user");
    const scopes = new Set(typeof payload.scope === "string" ? payload.scope.split(" ") : []);
    const { sub, name, nickname, picture, updated_at, email, email_verified } = userClaims(user);
    sendJson(res, 200, {
      sub,
      ...(scopes.has("profile") ? { name, nickname, picture, updated_at } : {}),
      ...(scopes.has("email") ? { email, email_verified } : {}),
    });
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) return deny("invalid token provided");
    throw error;
  }
}
