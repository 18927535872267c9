/**
 * The guard every cron route shares (lib/cron/authorize-cron.ts), through each route handler under
 * app/api/cron, found on disk so a new cron route is covered without an edit here: Vercel Cron's bearer
 * secret, and no cron at all in production until CRON_SECRET is set.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { localProductionSecrets } from "@/dev/production-secrets";
import { resetProcessState } from "@/lib/process-state";
import { cronRequest, TEST_CRON_SECRET } from "@/test/fixtures";
import { startNewProcess } from "@/test/process-state";

const SECRET = TEST_CRON_SECRET;
const routes = readdirSync(import.meta.dirname)
  .filter((name) => existsSync(path.join(import.meta.dirname, name, "route.ts")))
  .map((name) => ({ path: `/api/cron/${name}`, file: path.join(import.meta.dirname, name, "route.ts") }));

async function loadRoute(file: string, env: Record<string, string | undefined>) {
  startNewProcess(env);
  return (await import(file)) as { GET: (request: Request) => Promise<Response> };
}

afterEach(() => {
  vi.unstubAllEnvs();
  resetProcessState();
});

it("finds the cron routes", () => {
  expect(routes.map((route) => route.path)).toEqual(
    expect.arrayContaining(["/api/cron/usage", "/api/cron/reconcile"]),
  );
});

describe.each(routes)("GET $path", (route) => {
  it("refuses requests without the cron secret", async () => {
    const { GET } = await loadRoute(route.file, { CRON_SECRET: SECRET, LOG_LEVEL: "silent" });
    for (const header of [undefined, "Bearer wrong", `Bearer ${SECRET}x`, SECRET]) {
      const response = await GET(cronRequest(route.path, header));
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Bearer realm="cron"');
    }
  });

  it("is off until CRON_SECRET is set in production", async () => {
    const { GET } = await loadRoute(route.file, {
      NODE_ENV: "production",
      TOLLGATE_ALLOW_LOCAL_IN_PRODUCTION: "1",
      ...localProductionSecrets(),
      CRON_SECRET: undefined,
    });
    expect((await GET(cronRequest(route.path, "Bearer anything"))).status).toBe(503);
  });
});
