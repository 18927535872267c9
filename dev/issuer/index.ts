/** The local Auth0-compatible issuer: used by `npm run dev` and tests, never by app/ or lib/. */
export {
  createLocalIssuer,
  type LocalIssuer,
  type LocalIssuerOptions,
  type SeedClient,
} from "./create-local-issuer";
export { LOCAL_ISSUER, MANAGEMENT_SCOPES, managementAudience } from "./constants";
export { DEMO_ROLES, DEMO_USERS, permissionsOf, type DemoRole, type DemoUser } from "./users";
