import "server-only";
import { Auth0Client } from "@auth0/nextjs-auth0/server";
import { getConfig } from "@/lib/config";
import { processKey, processSingleton } from "@/lib/process-state";

/** The scopes a person's session asks for: OIDC profile, and a refresh token to renew the API token. */
export const SESSION_SCOPE = "openid profile email offline_access";

function createAuth0Client(): Auth0Client {
  const { auth, gate } = getConfig();
  return new Auth0Client({
    // A full URL keeps `http://` for the local issuer (the SDK assumes https:// for a bare host name);
    // `allowInsecureRequests` is true in local mode only, so a real tenant is always reached over TLS.
    domain: auth.tenantUrl,
    allowInsecureRequests: auth.allowInsecureRequests,
    clientId: auth.clientId,
    clientSecret: auth.clientSecret,
    secret: auth.sessionSecret,
    appBaseUrl: auth.appBaseUrl,
    signInReturnToPath: "/dashboard",
    ...cookieNamesFor(auth.appBaseUrl),
    // The session holds an access token for the API, so the dashboard can hand it to its owner.
    authorizationParameters: { audience: gate.audience, scope: SESSION_SCOPE },
  });
}

/**
 * Cookies are scoped by host, not by port: two checkouts on localhost:3000 and localhost:3100 would
 * overwrite each other's session and sign-in state. On a loopback address the cookies' names carry
 * the port; anywhere else they keep the SDK's names (`__session`, `__txn_{state}`).
 */
export function cookieNamesFor(appBaseUrl: string): {
  session?: { cookie: { name: string } };
  transactionCookie?: { prefix: string };
} {
  const url = new URL(appBaseUrl);
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  if (!["localhost", "127.0.0.1", "[::1]"].includes(url.hostname)) return {};
  return {
    session: { cookie: { name: `__session_${port}` } },
    transactionCookie: { prefix: `__txn_${port}_` },
  };
}

const auth0Key = processKey<Auth0Client>("auth0");

/** The app's Auth0 client (@auth0/nextjs-auth0 v4), built once from the configuration. */
export function getAuth0(): Auth0Client {
  return processSingleton(auth0Key, createAuth0Client);
}
