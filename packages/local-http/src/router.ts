/**
 * A table of routes with `:name` path segments, for the local services' HTTP APIs. Small enough to
 * own: the services run on node:http, and a framework's router would bring its request model along.
 */
export interface Route<Handler> {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

/** A route for `path` with `:name` segments (`/v1/customers/:id`). */
export function route<Handler>(
  method: Route<Handler>["method"],
  path: string,
  handler: Handler,
): Route<Handler> {
  const keys: string[] = [];
  const source = path.replace(/:([a-z_]+)/g, (_match, key: string) => {
    keys.push(key);
    return "([^/]+)";
  });
  return { method, pattern: new RegExp(`^${source}$`), keys, handler };
}

/** Finds the route for a request; literal paths (`/v1/customers/search`) win over `:id` ones by order. */
export function matchRoute<Handler>(
  routes: readonly Route<Handler>[],
  method: string,
  pathname: string,
): { route: Route<Handler>; path: Record<string, string> } | undefined {
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
