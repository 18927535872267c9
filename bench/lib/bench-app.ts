import { execFileSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";

/** Where the bench builds its copy of the app (.data is ignored by git, tsc, eslint and vitest). */
export const BENCH_APP_DIR = resolve(".data/bench-app");

/** The benchmark's reference routes, which exist only in the bench's copy of the app (bench/gate.ts). */
export const BENCH_ROUTES = {
  /** The same small JSON answer as GET /api/v1/me, with no proxy in front of it. */
  plain: "/api/bench/plain",
  /** The same answer behind a proxy that does nothing: the cost of running a proxy at all. */
  proxied: "/api/bench/proxied",
} as const;

const REFERENCE_ROUTE = `export const dynamic = "force-dynamic";

// The benchmark's reference answer: the size and shape of GET /api/v1/me's, without the gate.
export function GET() {
  return Response.json(
    {
      subject: "bench@clients",
      kind: "machine",
      client_id: "bench",
      customer_id: "00000000-0000-0000-0000-000000000000",
      scopes: ["get:widgets"],
    },
    { headers: { "cache-control": "no-store" } },
  );
}
`;

/**
 * Copies the working tree's source (what git tracks or would track) into BENCH_APP_DIR with the
 * reference routes added, and builds it as `npm run build` would. The copy's proxy.ts is the real one
 * with one early return for the "empty proxy" path, so the gate runs exactly the code it ships with.
 */
export function buildBenchApp(env: NodeJS.ProcessEnv): string {
  const dir = BENCH_APP_DIR;
  mkdirSync(dir, { recursive: true });
  // Keep .next (its build cache) and the node_modules link; everything else is copied afresh.
  for (const entry of readdirSync(dir)) {
    if (entry !== ".next" && entry !== "node_modules")
      rmSync(join(dir, entry), { recursive: true, force: true });
  }
  if (!existsSync(join(dir, "node_modules"))) symlinkSync(resolve("node_modules"), join(dir, "node_modules"));

  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    encoding: "utf8",
  });
  for (const file of files.split("\0")) {
    // Files deleted but not yet staged are still listed.
    if (!file || !existsSync(file) || lstatSync(file).isDirectory()) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(file, join(dir, file));
  }

  for (const path of Object.values(BENCH_ROUTES)) {
    const route = join(dir, "app", path, "route.ts");
    if (existsSync(route))
      throw new Error(`the app has its own ${path}; the bench's reference route would replace it`);
    mkdirSync(dirname(route), { recursive: true });
    writeFileSync(route, REFERENCE_ROUTE);
  }
  writeFileSync(join(dir, "proxy.ts"), withEmptyProxyPath(readFileSync("proxy.ts", "utf8")));

  execFileSync("npm", ["run", "build"], {
    cwd: dir,
    env: { ...env, NODE_ENV: "production" },
    stdio: "inherit",
  });
  return dir;
}

/**
 * proxy.ts with BENCH_ROUTES.proxied answered by `NextResponse.next()` before anything else, and added
 * to the matcher as a literal (Next reads `config.matcher` statically at build time).
 */
function withEmptyProxyPath(source: string): string {
  const insert = (text: string, anchor: string, addition: string) => {
    if (!text.includes(anchor))
      throw new Error(`proxy.ts no longer contains ${JSON.stringify(anchor)}; update bench/lib/bench-app.ts`);
    return text.replace(anchor, anchor + addition);
  };
  let proxy = `import { NextResponse as BenchNextResponse } from "next/server";\n${source}`;
  proxy = insert(
    proxy,
    "export async function proxy(request: NextRequest) {\n",
    `  if (request.nextUrl.pathname === "${BENCH_ROUTES.proxied}") return BenchNextResponse.next();\n`,
  );
  proxy = insert(proxy, "  matcher: [\n", `    "${BENCH_ROUTES.proxied}",\n`);
  return proxy;
}
