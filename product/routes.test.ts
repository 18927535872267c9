import { readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { routeFileFor, type HttpMethod, type Operation } from "@/lib/api/catalog";
import { catalog } from "./operations";

const ROOT = path.resolve(import.meta.dirname, "..");
const METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

type RouteModule = Partial<Record<string, { operation?: Operation }>>;

async function routeFiles(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(ROOT, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name === "route.ts")
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)));
}

// A route file the catalog does not know is served without the gate's scope check in the proxy, and
// an operation without its route file answers 404 while /api/openapi.json documents it.
describe("the catalog and the route files under app/api/v1", () => {
  it.each(catalog.operations.map((operation) => [operation.id, operation] as const))(
    "%s is served by its route file, through withOperation",
    async (_id, operation) => {
      const file = routeFileFor(operation.path);
      const routeModule = (await import(path.join(ROOT, file))) as RouteModule;
      expect(
        routeModule[operation.method]?.operation,
        `${file} must export ${operation.method} = withOperation(${operation.id}, ...)`,
      ).toBe(operation);
    },
  );

  it("has an operation for every method every route file exports", async () => {
    const declared = new Set(
      catalog.operations.map((operation) => `${operation.method} ${routeFileFor(operation.path)}`),
    );
    const served: string[] = [];
    for (const file of await routeFiles("app/api/v1")) {
      const routeModule = (await import(path.join(ROOT, file))) as RouteModule;
      for (const method of METHODS) if (routeModule[method]) served.push(`${method} ${file}`);
    }
    expect(
      served.filter((route) => !declared.has(route)),
      "routes missing from product/operations.ts",
    ).toEqual([]);
    expect(served.length).toBe(catalog.operations.length);
  });
});
