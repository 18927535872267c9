import type { Route } from "@tollgate/local-http";
import type { SandboxEngine } from "../engine/sandbox-engine";
import type { Params } from "../params";

/** What a v1 API handler gets: the engine, the decoded parameters and the path's `:params`. */
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

/** A v2 operation: who may call it and what it does with the JSON body. */
export interface V2Operation {
  auth: "secret_key" | "meter_event_session";
  handler: (engine: SandboxEngine, body: unknown, path: Record<string, string>) => object;
}

/** A route of the sandbox's v2 API. */
export type V2Route = Route<V2Operation>;

export { route } from "@tollgate/local-http";
