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
    // The session holds an access token for the API, so the dashboard can hand it to its owner.
    authorizationParameters: { audience: gate.audience, scope: SESSION_SCOPE },
  });
}

const auth0Key = processKey<Auth0Client>("auth0");

/** The app's Auth0 client (@auth0/nextjs-auth0 v4), built once from the configuration. */
export function getAuth0(): Auth0Client {
  return processSingleton(auth0Key, createAuth0Client);
}
