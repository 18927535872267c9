import type { IncomingMessage, ServerResponse } from "node:http";
import { matchRoute, sendJson } from "@tollgate/local-http";
import { createLocalJWKSet, errors as joseErrors, jwtVerify } from "jose";
import { managementAudience } from "../constants";
import type { IssuerState } from "../issuer-state";
import { clientGrantRoutes } from "./client-grants";
import { clientRoutes } from "./clients";
import type { ManagementRoute } from "./endpoint";
import { jobRoutes } from "./jobs";
import { ManagementError } from "./management-error";
import { resourceServerRoutes } from "./resource-servers";
import { signingKeyRoutes, type SigningKeyHooks } from "./signing-keys";
import { createThrottles, type ManagementThrottle } from "./throttle";
import { userRoutes } from "./users";

export type { ManagementThrottle } from "./throttle";

/** How many answered requests the issuer remembers (the oldest are forgotten first). */
const MAX_LOGGED_REQUESTS = 10_000;

/** One Management API request as the issuer answered it (tests count calls with these). */
export interface ManagementRequest {
  method: string;
  path: string;
  status: number;
}

/**
 * The subset of Auth0's Management API v2 that Tollgate uses, with Auth0's request and response
 * shapes, protected as Auth0 protects it: a bearer token from client credentials for
 * `${issuer}api/v2/`, verified against the issuer's own keys, with the scope each endpoint needs.
 */
export function createManagementApi(options: {
  issuerUrl: string;
  state: IssuerState;
  hooks: SigningKeyHooks;
}) {
  const { issuerUrl, state } = options;
  const audience = managementAudience(issuerUrl);
  const throttles = createThrottles();
  const requests: ManagementRequest[] = [];
  const routes: ManagementRoute[] = [
    ...clientRoutes(state),
    ...clientGrantRoutes(state),
    ...resourceServerRoutes(state),
    ...userRoutes(state),
    ...jobRoutes(state),
    ...signingKeyRoutes(state, options.hooks),
  ];

  /** The scopes of the request's bearer token, once it is verified as a Management API token. */
  async function authenticate(req: IncomingMessage): Promise<Set<string>> {
    const header = req.headers.authorization;
    if (!header) throw new ManagementError(401, "Missing authentication", "missing_authentication");
    const [scheme, token] = header.split(" ");
    if (scheme?.toLowerCase() !== "bearer" || !token) {
      throw new ManagementError(401, "Bad HTTP authentication header format", "missing_authentication");
    }
    try {
      const jwks = createLocalJWKSet({ keys: state.keys.map((key) => key.publicJwk) });
      const { payload } = await jwtVerify(token, jwks, {
        issuer: issuerUrl,
        audience,
        algorithms: ["RS256"],
      });
      return new Set(typeof payload.scope === "string" ? payload.scope.split(" ") : []);
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        throw new ManagementError(
          401,
          "Expired token received for JSON Web Token validation",
          "invalid_token",
        );
      }
      if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === "aud") {
        throw new ManagementError(401, `Bad audience: ${audience}`, "invalid_token");
      }
      if (error instanceof joseErrors.JOSEError)
        throw new ManagementError(401, "Invalid token", "invalid_token");
      throw error;
    }
  }

  /**
   * Refusals come in a fixed order: an unknown path (404 `invalid_uri`) before the token is looked at,
   * then the token, a method the path lacks, the scopes, and only then a badly encoded path segment
   * (so only a caller allowed to ask learns that its id was malformed).
   */
  async function dispatch(req: IncomingMessage, url: URL): Promise<{ status: number; body?: unknown }> {
    const refusal = throttles.refusal(req, url);
    if (refusal) throw refusal;
    if (!routes.some((candidate) => candidate.pattern.test(url.pathname))) {
      throw new ManagementError(404, "Not Found", "invalid_uri");
    }
    const method = req.method ?? "GET";
    const route = routes.find(
      (candidate) => candidate.method === method && candidate.pattern.test(url.pathname),
    );
    const scopes = await authenticate(req);
    if (!route) throw new ManagementError(404, "Not Found", "operation_not_supported");
    const endpoint = route.handler;
    if (endpoint.scopes.some((scope) => !scopes.has(scope))) {
      throw new ManagementError(
        403,
        `Insufficient scope, expected any of: ${endpoint.scopes.join(",")}`,
        "insufficient_scope",
      );
    }
    let path: Record<string, string>;
    try {
      path = matchRoute([route], method, url.pathname)?.path ?? {};
    } catch {
      throw new ManagementError(400, "Invalid URI encoding", "invalid_uri");
    }
    return endpoint.handle({ req, url, path, scopes });
  }

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const answer = (status: number, body: unknown, headers?: Record<string, string>) => {
      requests.push({ method: req.method ?? "GET", path: url.pathname, status });
      // A long `npm run dev` must not grow without bound; tests make far fewer requests than this.
      if (requests.length > MAX_LOGGED_REQUESTS) requests.splice(0, requests.length - MAX_LOGGED_REQUESTS);
      sendJson(res, status, body, headers);
    };
    try {
      const result = await dispatch(req, url);
      answer(result.status, result.body);
    } catch (error) {
      if (!(error instanceof ManagementError)) throw error;
      answer(error.statusCode, error.body, error.headers);
    }
  }

  return {
    handle,
    /** Answers the next matching requests 429 (see {@link ManagementThrottle}). */
    throttle: (throttle: ManagementThrottle): void => throttles.add(throttle),
    /** Every request answered so far, oldest first. */
    requests: (): ManagementRequest[] => [...requests],
  };
}
