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

export interface Route {
  method: "GET" | "POST" | "DELETE";
  pattern: RegExp;
  keys: string[];
  handler: ApiHandler;
}

/** A route for `path` with `:name` segments (`/v1/customers/:id`). */
export function route(method: Route["method"], path: string, handler: ApiHandler): Route {
  const keys: string[] = [];
  const source = path.replace(/:([a-z_]+)/g, (_match, key: string) => {
    keys.push(key);
    return "([^/]+)";
  });
  return { method, pattern: new RegExp(`^${source}$`), keys, handler };
}

/** Finds the route for a request; literal paths (`/v1/customers/search`) win over `:id` ones by order. */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  pathname: string,
): { route: Route; path: Record<string, string> } | undefined {
  for (const candidate of routes) {
    if (candidate.method !== method) continue;
    const match = candidate.pattern.exec(pathname);
    if (!match) continue;
    const path: Record<string, string> = {};
    candidate.keys.forEach((key, index) => {
      path[key] = decodeURIComponent(match[index + 1] ?? "");
    });
    return { route: candidate, path };
  }
  return undefined;
}
