/** What the local stand-ins (@tollgate/local-auth0, @tollgate/stripe-sandbox) share: HTTP helpers, a router, state files. */
export {
  BodyError,
  escapeHtml,
  readBody,
  readParams,
  redirect,
  sendHtml,
  sendJson,
  urlAllowed,
} from "./http";
export { matchRoute, route, type Route } from "./router";
export { readStateFile, writeStateFile } from "./state-file";
export { selfSignedCertificate, type SelfSignedCertificate } from "./self-signed-certificate";
