/**
 * `npm run setup:auth0`: creates or updates, in the Auth0 tenant of AUTH0_DOMAIN, the API (identifier
 * AUTH0_AUDIENCE, the catalog's scopes as permissions, RBAC with permissions in the access token) and
 * the dashboard's Regular Web Application (URLs from APP_BASE_URL), through the Management API with a
 * Machine to Machine application made by hand first (docs/deploy.md, step 2). Then prints the
 * variables to set. Safe to run again: a second run changes nothing and says so.
 *
 * Reads its own variables rather than lib/config: the app's configuration would insist on
 * AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET, which this creates.
 */
import { z } from "zod";
import { APP_SCOPES, DASHBOARD_NAME, SetupError, setupAuth0Tenant } from "./lib/auth0-tenant";

const env = z
  .object({
    AUTH0_DOMAIN: z
      .string({ error: "required: your tenant's domain, e.g. tollgate.eu.auth0.com" })
      .regex(/^[a-z0-9.-]+(:\d+)?$/i, "a host name without https://, e.g. tollgate.eu.auth0.com"),
    AUTH0_MANAGEMENT_CLIENT_ID: z.string({
      error: "required: the Machine to Machine application's Client ID",
    }),
    AUTH0_MANAGEMENT_CLIENT_SECRET: z.string({
      error: "required: the Machine to Machine application's Client Secret",
    }),
    APP_BASE_URL: z.url({ error: "required: the app's public URL, e.g. https://tollgate.example.com" }),
    AUTH0_AUDIENCE: z.string({
      error: "required: the API identifier to create, e.g. https://api.example.com/",
    }),
    AUTH0_CLIENT_ID: z.string().optional(),
  })
  // A `.env` line `FOO=` counts as unset, as in lib/config.
  .safeParse(Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== "")));

if (!env.success) {
  console.error("npm run setup:auth0 needs these variables (docs/deploy.md, step 2):");
  for (const issue of env.error.issues) console.error(`  - ${String(issue.path[0])}: ${issue.message}`);
  process.exit(1);
}

const { AUTH0_DOMAIN, AUTH0_AUDIENCE, APP_BASE_URL } = env.data;
const tenantUrl = `https://${AUTH0_DOMAIN}/`;
console.log(`Setting up the Auth0 tenant ${AUTH0_DOMAIN} through its Management API (${tenantUrl}api/v2/)`);

try {
  const result = await setupAuth0Tenant({
    tenantUrl,
    managementClientId: env.data.AUTH0_MANAGEMENT_CLIENT_ID,
    managementClientSecret: env.data.AUTH0_MANAGEMENT_CLIENT_SECRET,
    appBaseUrl: APP_BASE_URL,
    audience: AUTH0_AUDIENCE,
    dashboardClientId: env.data.AUTH0_CLIENT_ID,
  });
  for (const change of result.changes) console.log(`  ${change.action.padEnd(10)} ${change.what}`);
  if (result.changes.every((change) => change.action === "unchanged")) {
    console.log("Nothing to change: the tenant is set up.");
  }
  if (result.missingAppScopes.length > 0) {
    console.warn(
      `\nWarning: the app uses this Machine to Machine application at run time and needs ${result.missingAppScopes.join(", ")} ` +
        "on the Management API too (creating customers' API clients, recording their Stripe customer). Add them.",
    );
  }
  const secret = result.dashboard.clientSecret
    ? `AUTH0_CLIENT_SECRET=${result.dashboard.clientSecret}`
    : `AUTH0_CLIENT_SECRET=   (unchanged: printed when the application was created; also in Auth0 dashboard > Applications > ${DASHBOARD_NAME} > Settings)`;
  console.log(`
Set these variables where the app runs (Vercel: Settings > Environment Variables), with those of
docs/deploy.md step 4:
AUTH0_DOMAIN=${AUTH0_DOMAIN}
AUTH0_CLIENT_ID=${result.dashboard.clientId}
${secret}
AUTH0_AUDIENCE=${AUTH0_AUDIENCE}
APP_BASE_URL=${APP_BASE_URL}
AUTH0_MANAGEMENT_CLIENT_ID=${env.data.AUTH0_MANAGEMENT_CLIENT_ID}
AUTH0_MANAGEMENT_CLIENT_SECRET=   (the one you used here)
AUTH0_SECRET=   (generate: openssl rand -hex 32)
The app itself uses these Management API scopes: ${APP_SCOPES.join(", ")}.`);
} catch (error) {
  console.error(error instanceof SetupError ? error.message : error);
  process.exit(1);
}
