/**
 * What `npm run new:operation` writes: an operation declared in product/operations.ts, its route
 * handler under app/api/v1, and a test of it. Pure: it takes and returns file contents, so the tests
 * check the text and the CLI (scripts/new-operation.ts) does the reading and writing.
 */
import { z } from "zod";
import { routeFileFor, type HttpMethod } from "@/lib/api/catalog";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const satisfies readonly HttpMethod[];

/** The verbs an operation id may start with that say its method; any other verb is a POST. */
const METHOD_OF_VERB: Readonly<Record<string, HttpMethod>> = {
  get: "GET",
  list: "GET",
  search: "GET",
  create: "POST",
  update: "PATCH",
  replace: "PUT",
  delete: "DELETE",
  remove: "DELETE",
};

/** The command line, validated: `exportReport --path /api/v1/reports/{id}/export --units 2`. */
export const NewOperationArgs = z
  .object({
    id: z
      .string()
      .regex(
        /^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+$/,
        "a camelCase operation id with a verb first, e.g. exportReport",
      ),
    path: z
      .string()
      .regex(
        /^\/api\/v1(?:\/(?:[a-z0-9][a-z0-9-]*|\{[a-zA-Z][a-zA-Z0-9]*\}))+$/,
        "a path under /api/v1 of lower-case segments and {param}s, e.g. /api/v1/reports/{id}/export",
      )
      .optional(),
    method: z.enum(METHODS).optional(),
    scope: z
      .string()
      .regex(/^[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*$/, "verb:resource, as Auth0 permissions are named")
      .optional(),
    units: z.coerce.number().int().min(0).max(1_000_000).default(1),
    summary: z.string().trim().min(1).max(120).optional(),
  })
  .strict();

export type NewOperationArgs = z.input<typeof NewOperationArgs>;

/** An operation to add, with every default filled in. */
export interface NewOperation {
  id: string;
  method: HttpMethod;
  path: `/api/v1/${string}`;
  scope: string;
  units: number;
  summary: string;
  tag: string;
  params: string[];
}

/** A command-line mistake: printed as is, with the usage, and exit status 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * The operation the arguments describe. From `exportReport` alone: POST /api/v1/reports, scope
 * export:reports, 1 unit. The verb picks the method (get/list: GET, delete: DELETE, ...).
 */
export function describeOperation(args: NewOperationArgs): NewOperation {
  const parsed = NewOperationArgs.safeParse(args);
  if (!parsed.success) {
    throw new UsageError(
      parsed.error.issues
        .map((issue) => `${issue.path.join(".") || "arguments"}: ${issue.message}`)
        .join("\n"),
    );
  }
  const { id, units } = parsed.data;
  const [verb = "", ...nouns] = id.split(/(?=[A-Z])/).map((word) => word.toLowerCase());
  const resource = plural(nouns.join("-"));
  const path = (parsed.data.path ?? `/api/v1/${resource}`) as `/api/v1/${string}`;
  const literals = path
    .split("/")
    .slice(3)
    .filter((segment) => !segment.startsWith("{"));
  const noun = literals[0] ?? resource;
  const method = parsed.data.method ?? METHOD_OF_VERB[verb] ?? "POST";
  return {
    id,
    method,
    path,
    scope: parsed.data.scope ?? `${verb === "list" || verb === "search" ? "get" : verb}:${noun}`,
    units,
    summary: parsed.data.summary ?? `${capitalize(verb)} ${nouns.join(" ")}`,
    tag: capitalize(noun.replaceAll("-", " ")),
    params: [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1] ?? ""),
  };
}

/** The files to write: path (from the project root) to new contents. */
export type FileChanges = Map<string, string>;

/**
 * The declaration added to product/operations.ts (and to its catalog), the route file (new, or the
 * existing one with one more method) and the operation's test.
 *
 * @throws {UsageError} when the id or the method and path are declared already, or
 *   product/operations.ts lacks the catalog this adds to.
 */
export function planFiles(
  operation: NewOperation,
  files: { operations: string; route: string | undefined },
  declared: ReadonlyArray<{ id: string; method: string; path: string }>,
): FileChanges {
  if (declared.some((other) => other.id === operation.id)) {
    throw new UsageError(`product/operations.ts declares ${operation.id} already.`);
  }
  const clash = declared.find((other) => other.method === operation.method && other.path === operation.path);
  if (clash) {
    throw new UsageError(
      `${operation.method} ${operation.path} is ${clash.id} already; choose another --path or --method.`,
    );
  }
  const routeFile = routeFileFor(operation.path);
  return new Map([
    ["product/operations.ts", addDeclaration(files.operations, operation)],
    [routeFile, addRoute(files.route, operation)],
    [`${routeFile.slice(0, -"route.ts".length)}${kebab(operation.id)}.int.test.ts`, testFile(operation)],
  ]);
}

const CATALOG = /(export const catalog = new Catalog\(\[)([\s\S]*?)(\n?\]\);)/;

function addDeclaration(source: string, operation: NewOperation): string {
  const catalog = CATALOG.exec(source);
  if (!catalog) {
    throw new UsageError(
      'product/operations.ts has no "export const catalog = new Catalog([ ... ]);" to add to.',
    );
  }
  const hasBody = operation.method !== "GET" && operation.method !== "DELETE";
  const params =
    operation.params.length === 0
      ? "z.object({}).strict()"
      : `z.object({ ${operation.params.map((name) => `${name}: z.string().min(1)`).join(", ")} })`;
  const declaration = `export const ${operation.id} = defineOperation({
  id: "${operation.id}",
  method: "${operation.method}",
  path: "${operation.path}",
  summary: ${JSON.stringify(operation.summary)},
  tag: ${JSON.stringify(operation.tag)},
  scopes: { allOf: [${JSON.stringify(operation.scope)}] },
  cost: { meter: API_UNITS.eventName, units: ${operation.units} },
  params: ${params},
  query: z.object({}).strict(),
  body: ${hasBody ? "z.object({}).strict()" : "z.undefined()"},
  response: {
    status: 200,
    schema: z.object({ todo: z.string() }).meta({ id: "${capitalize(operation.id)}Result" }),
  },
});

`;
  const items = catalog[2]?.replace(/,?\s*$/, "") ?? "";
  const list = `${catalog[1]}${items},\n  ${operation.id},${catalog[3]?.startsWith("\n") ? "" : "\n"}${catalog[3]}`;
  const at = catalog.index;
  // The declaration goes above the catalog's doc comment, when it has one.
  const comment = source.lastIndexOf("/**", at);
  const insertAt =
    comment !== -1 && source.slice(source.indexOf("*/", comment) + 2, at).trim() === "" ? comment : at;
  return `${source.slice(0, insertAt)}${declaration}${source.slice(insertAt, at)}${list}${source.slice(at + catalog[0].length)}`;
}

function addRoute(existing: string | undefined, operation: NewOperation): string {
  const handler = `// ${operation.method} ${operation.path} – ${operation.summary.toLowerCase()}
export const ${operation.method} = withOperation(${operation.id}, () => {
  // Do the work here (a function of your domain in product/, given the context's db, customerId and
  // input) and return the response body: the 2xx is metered, a thrown TollgateError (lib/errors) is refused unmetered.
  return { todo: "${operation.id} is declared; write its handler in ${routeFileFor(operation.path)}" };
});
`;
  if (existing === undefined) {
    return `import { withOperation } from "@/lib/api/with-operation";
import { ${operation.id} } from "@/product/operations";

${handler}`;
  }
  if (new RegExp(`^export const ${operation.method}\\b`, "m").test(existing)) {
    throw new UsageError(`${routeFileFor(operation.path)} exports ${operation.method} already.`);
  }
  const imports = /import \{([^}]*)\} from "@\/product\/operations";/.exec(existing);
  const withImport = imports
    ? existing.replace(
        imports[0],
        `import {${imports[1]?.replace(/\s*$/, "")}, ${operation.id} } from "@/product/operations";`,
      )
    : `import { ${operation.id} } from "@/product/operations";\n${existing}`;
  const withWrapper = /import \{[^}]*\bwithOperation\b[^}]*\} from "@\/lib\/api\/with-operation";/.test(
    withImport,
  )
    ? withImport
    : `import { withOperation } from "@/lib/api/with-operation";\n${withImport}`;
  return `${withWrapper.replace(/\s*$/, "")}\n\n${handler}`;
}

function testFile(operation: NewOperation): string {
  const url = operation.path.replace(/\{[^}]+\}/g, "example");
  const body = operation.method !== "GET" && operation.method !== "DELETE" ? ", { body: {} }" : "";
  const name = kebab(operation.id);
  return `import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PLAN_LIST } from "@/lib/billing/plans";
import { ${operation.id} } from "@/product/operations";
import { callApi, loadApp, startTestEnvironment, type App, type TestEnvironment } from "@/test/app-harness";
import { givePlan } from "@/test/fixtures";

const SCOPE = ${JSON.stringify(operation.scope)};
let env: TestEnvironment;
let app: App;
let customerId: string;

beforeAll(async () => {
  env = await startTestEnvironment("${name}");
  app = await loadApp();
  customerId = (await env.db.customer.create({ data: { email: "${name}@example.com" } })).id;
  await env.db.apiClient.create({ data: { clientId: "${name}", customerId, name: "${name}", scopes: [SCOPE] } });
});
afterAll(() => env?.close());

const unitsOf = async () =>
  (await env.db.usageCounter.findMany({ where: { customerId } })).reduce((sum, row) => sum + Number(row.units), 0);

describe("${operation.method} ${operation.path} (${operation.id})", () => {
  it("refuses a token without ${operation.scope}", async () => {
    const token = await env.issuer.machineToken("${name}", { scope: "" });
    const response = await callApi(app, token, "${operation.method}", "${url}"${body});
    expect(response.status).toBe(403);
    expect(await unitsOf()).toBe(0);
  });

  it("answers and meters a call of a customer whose plan grants ${operation.scope}", async () => {
    const plan = PLAN_LIST.find((candidate) => candidate.features.includes(SCOPE));
    if (!plan) throw new Error(\`No plan in product/plans.ts grants \${SCOPE}\`);
    await givePlan(env.db, customerId, plan.id);
    const token = await env.issuer.machineToken("${name}", { scope: SCOPE });
    const response = await callApi(app, token, "${operation.method}", "${url}"${body});
    expect(response.status).toBe(${operation.id}.response.status);
    expect(${operation.id}.response.schema.safeParse(await response.json()).success).toBe(true);
    expect(await unitsOf()).toBe(${operation.units});
  });
});
`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function kebab(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** "report" reads "reports", "entry" "entries", "box" "boxes": enough for a default path. */
function plural(noun: string): string {
  if (noun === "" || noun.endsWith("s")) return noun;
  if (/[^aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  if (/(x|ch|sh)$/.test(noun)) return `${noun}es`;
  return `${noun}s`;
}
