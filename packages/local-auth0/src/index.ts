/** The local Auth0-compatible issuer: for development and tests, never imported by the app itself. */
export {
  createLocalIssuer,
  type LocalIssuer,
  type LocalIssuerOptions,
  type SeedClient,
} from "./create-local-issuer";
export { LOCAL_ISSUER, MANAGEMENT_SCOPES, managementAudience } from "./constants";
export type { Auth0Client, Auth0ResourceServer, Auth0User } from "./auth0-records";
export { permissionsOf, type LocalUser, type Role } from "./users";
export { EXAMPLE_PEOPLE } from "./example-people";
