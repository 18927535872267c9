import { createServer, type Socket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { databaseKey } from "@/lib/db";
import { peekProcessSingleton, resetProcessState } from "@/lib/process-state";
import { createTestDatabase, TEST_BACKEND } from "@/test/database";
import { startNewProcess } from "@/test/process-state";

// The real route handler, with the app's real config and database singletons, fresh per test.
async function loadRoute(env: Record<string, string | undefined>) {
  startNewProcess(env);
  resetProcessState(databaseKey);
  return import("./route");
}

afterEach(async () => {
  const db = peekProcessSingleton(databaseKey);
  resetProcessState(databaseKey);
  await db?.$disconnect().catch(() => {});
  vi.unstubAllEnvs();
});

describe("GET /__health", () => {
  it(`answers 200 with db ok on ${TEST_BACKEND}`, async () => {
    const database = await createTestDatabase();
    // A generous timeout: this asserts a healthy answer, not how fast a loaded CI machine is.
    const env =
      database.config.kind === "postgres"
        ? { DATABASE_URL: database.config.url, DB_HEALTH_TIMEOUT_MS: "15000" }
        : { DATABASE_URL: undefined, PGLITE_DATA_DIR: "memory://", DB_HEALTH_TIMEOUT_MS: "15000" };
    const { GET } = await loadRoute(env);
    const response = await GET();
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ status: "ok", db: "ok" });
    await database.destroy();
  });

  it("answers 503 with db down when the database does not answer in time", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };

    const { GET } = await loadRoute({
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/db`,
      DB_HEALTH_TIMEOUT_MS: "300",
    });
    const response = await GET();
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "unavailable", db: "down" });

    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it("answers 503 when the database refuses connections", async () => {
    const { GET } = await loadRoute({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/db" });
    const response = await GET();
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ db: "down" });
  });
});
