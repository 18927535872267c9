/**
 * `npm run new:operation -- <operationId> [--path /api/v1/...] [--method POST] [--scope verb:things]
 * [--units 1] [--summary "..."]`: declares an operation in product/operations.ts, writes its route
 * handler and a test of it (README, "Make it your API"). Defaults come from the id: `exportReport` is
 * POST /api/v1/reports with scope export:reports, 1 unit.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { routeFileFor } from "@/lib/api/catalog";
import { PLAN_LIST } from "@/lib/billing/plans";
import { catalog } from "@/product/operations";
import { describeOperation, planFiles, UsageError } from "./lib/new-operation";

const ROOT = resolve(import.meta.dirname, "..");
const USAGE = `Usage: npm run new:operation -- <operationId> [--path /api/v1/...] [--method GET|POST|PUT|PATCH|DELETE]
                                  [--scope verb:things] [--units N] [--summary "..."]
Example: npm run new:operation -- exportReport --path /api/v1/reports/{id}/export --units 5`;

function main(): void {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    allowPositionals: true,
    options: {
      path: { type: "string" },
      method: { type: "string" },
      scope: { type: "string" },
      units: { type: "string" },
      summary: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length !== 1) throw new UsageError("Name one operation id, e.g. exportReport.");
  const operation = describeOperation({
    id: positionals[0] ?? "",
    ...values,
    method: values.method?.toUpperCase() as never,
  });
  const routeFile = join(ROOT, routeFileFor(operation.path));
  const changes = planFiles(
    operation,
    {
      operations: readFileSync(join(ROOT, "product/operations.ts"), "utf8"),
      route: existsSync(routeFile) ? readFileSync(routeFile, "utf8") : undefined,
    },
    catalog.operations,
  );
  for (const [file, contents] of changes) {
    mkdirSync(dirname(join(ROOT, file)), { recursive: true });
    writeFileSync(join(ROOT, file), contents);
  }
  execFileSync("npx", ["prettier", "--log-level", "warn", "--write", ...changes.keys()], {
    cwd: ROOT,
    stdio: "inherit",
  });

  console.log(
    `Added ${operation.id}: ${operation.method} ${operation.path}, scope ${operation.scope}, ${operation.units} unit(s) a call.`,
  );
  for (const file of changes.keys()) console.log(`  wrote  ${file}`);
  const granting = PLAN_LIST.filter((plan) => plan.features === catalog.scopes).map((plan) => plan.name);
  console.log(`
${operation.scope} is granted by ${granting.length > 0 ? `the plans that grant every scope (${granting.join(", ")})` : "no plan yet: add it to a plan's features in product/plans.ts"},
and held by the local issuer's admin role and the demo writer client. Next: the schemas in
product/operations.ts, the work in ${routeFileFor(operation.path)}, then
\`npx vitest run ${dirname(routeFileFor(operation.path))}\`. /docs/api and /api/openapi.json list it already.`);
}

try {
  main();
} catch (error) {
  if (
    error instanceof UsageError ||
    (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))
  ) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
