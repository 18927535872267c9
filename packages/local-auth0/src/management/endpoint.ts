import type { IncomingMessage } from "node:http";
import type { Route } from "@tollgate/local-http";

/** What a Management API handler is given: the request, its `:name` path segments and the token's scopes. */
export interface ManagementCall {
  req: IncomingMessage;
  url: URL;
  path: Record<string, string>;
  scopes: ReadonlySet<string>;
}

/** A Management API endpoint: the scopes its token must carry, and what it does. */
export interface ManagementEndpoint {
  scopes: readonly string[];
  handle(call: ManagementCall): Promise<{ status: number; body?: unknown }>;
}

/** A row of the Management API's route table. */
export type ManagementRoute = Route<ManagementEndpoint>;
