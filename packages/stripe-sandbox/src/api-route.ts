import type { Route } from "@tollgate/local-http";
import type { Params } from "./params";
import type { SandboxEngine } from "./sandbox-engine";

/** What an API handler gets: the engine, the decoded parameters and the path's `:params`. */
export interface ApiContext {
  engine: SandboxEngine;
  params: Params;
  path: Record<string, string>;
  /** The sandbox's own origin, for hosted page URLs (`http://127.0.0.1:4020`). */
  baseUrl: string;
}

/** Returns the response object; throws StripeApiError to answer with an error. */
export type ApiHandler = (context: ApiContext) => object;

/** A route of the sandbox's v1 API. */
export type ApiRoute = Route<ApiHandler>;

export { route } from "@tollgate/local-http";
