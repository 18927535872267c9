/**
 * The app in this test process, as Next runs it: the proxy's admission and the route handlers, on a
 * migrated test database, trusting a local test issuer. Integration tests of the whole API use it.
 */
import path from "node:path";
import { NextRequest } from "next/server";
import { vi } from "vitest";
import { gateKey } from "@/lib/api/authenticate-call";
import { routeFileFor } from "@/lib/api/catalog";
import type { Database } from "@/lib/db";
import {
  peekProcessSingleton,
  resetProcessState,
  setProcessSingleton,
  type ProcessValue,
} from "@/lib/process-state";
import { createMigratedDatabase } from "./database";
import { resetAllButDatabase as resetAppGlobals, setAppDatabase } from "./process-state";
import { startTestIssuer, type TestIssuer } from "./test-issuer";

const ROOT = path.resolve(import.meta.dirname, "..");

/** The origin the tests' requests are sent to. */
export const TEST_BASE_URL = "http://localhost:3000";

/** The app's modules as a new process loads them: read the environment as it now is. */
export async function loadApp() {
  vi.resetModules();
  resetAppGlobals();
  const { catalog } = await import("@/product/operations");
  const routes = new Map<string, Partial<Record<string, RouteHandler>>>();
  for (const operation of catalog.operations) {
    if (routes.has(operation.path)) continue;
    routes.set(operation.path, await import(path.join(ROOT, routeFileFor(operation.path))));
  }
  return {
    admitRequest: (await import("@/lib/api/admit-request")).admitRequest,
    catalog,
    /** Route modules by the catalog's path templates (`/api/v1/widgets/{id}`), as Next serves them. */
    routes,
  };
}

export type App = Awaited<ReturnType<typeof loadApp>>;

export interface TestEnvironment {
  issuer: TestIssuer;
  /** The test database's client, which the app's `getDb()` returns too. */
  db: Database;
  /** Unstubs every environment variable, forgets the app's process state, closes the issuer, drops the database. */
  close(): Promise<void>;
}

/**
 * A test issuer and a migrated database, with the app pointed at them: AUTH0_ISSUER and
 * AUTH0_AUDIENCE stubbed, and the database where the app's `getDb()` finds it. `loadApp()` next.
 */
export async function startTestEnvironment(kid: string): Promise<TestEnvironment> {
  const [issuer, database] = await Promise.all([startTestIssuer(kid), createMigratedDatabase()]);
  vi.stubEnv("AUTH0_ISSUER", issuer.issuer);
  vi.stubEnv("AUTH0_AUDIENCE", issuer.audience);
  setAppDatabase(database.db);
  return {
    issuer,
    db: database.db,
    async close() {
      vi.unstubAllEnvs();
      resetProcessState();
      await Promise.all([issuer.close(), database.destroy()]);
    },
  };
}

type RouteHandler = (
  request: Request,
  route: { params?: Promise<Record<string, string>> },
) => Promise<Response>;

/**
 * The route handler Next would run for `method` and `pathname`, with its dynamic segments: found by
 * the catalog's own matcher, as the proxy finds the operation.
 */
export function routeOf(app: App, method: string, pathname: string) {
  const match = app.catalog.match(method, pathname);
  const handler = match.kind === "found" ? app.routes.get(match.operation.path)?.[method] : undefined;
  if (match.kind !== "found" || !handler) {
    throw new Error(`No route handler for ${method} ${pathname}: product/operations.ts declares none.`);
  }
  // Next passes no params to routes without dynamic segments.
  return { handler, params: Object.keys(match.params).length > 0 ? match.params : undefined };
}

export interface CallOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** More request headers, after Authorization (so they may replace it). */
  headers?: Record<string, string>;
  /**
   * Run the proxy and the route handler as two processes would, as on Vercel: each with a gate (and
   * its caches) of its own, kept across calls in `processes`.
   */
  processes?: SplitProcesses;
}

/** The per-process gates of a proxy and a handler that do not share a process. */
export interface SplitProcesses {
  proxy?: ProcessValue<typeof gateKey>;
  handler?: ProcessValue<typeof gateKey>;
}

/** Runs `fn` with the gate of one of two separate processes in place of this process's own. */
async function inProcess<T>(processes: SplitProcesses, which: keyof SplitProcesses, fn: () => Promise<T>) {
  const own = peekProcessSingleton(gateKey);
  setProcessSingleton(gateKey, processes[which]);
  try {
    return await fn();
  } finally {
    processes[which] = peekProcessSingleton(gateKey);
    setProcessSingleton(gateKey, own);
  }
}

/**
 * One API call as Next runs it: the proxy's admission (lib/api/admit-request.ts), then, when admitted,
 * the path's route handler with the same request, as NextResponse.next() passes it on. `token`, when
 * given, is sent as a bearer token. Example: `await callApi(app, token, "GET", "/api/v1/me")`.
 */
export async function callApi(
  app: App,
  token: string | undefined,
  method: string,
  path: string,
  { body, headers, processes }: CallOptions = {},
): Promise<Response> {
  const url = `${TEST_BASE_URL}${path}`;
  const init = {
    method,
    headers: {
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  };
  const admit = () => app.admitRequest(new NextRequest(url, init));
  const admission = await (processes ? inProcess(processes, "proxy", admit) : admit());
  if (!admission.admitted) return admission.response;
  // The proxy hands on the token of a Basic exchange in place of the credentials (proxy.ts).
  if (admission.authorization) init.headers = { ...init.headers, authorization: admission.authorization };
  const { handler, params } = routeOf(app, method, new URL(url).pathname);
  const handle = () => handler(new Request(url, init), params ? { params: Promise.resolve(params) } : {});
  return processes ? inProcess(processes, "handler", handle) : handle();
}
