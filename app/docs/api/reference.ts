import { z } from "zod";
import { buildOpenApiDocument, type OpenApiOptions } from "@/lib/api/openapi";
import { catalog } from "@/product/operations";
import { PROBLEM_TYPES, problemType, type ProblemName } from "@/lib/errors";

/** A JSON Schema (2020-12) as the OpenAPI document holds it. */
export type JsonSchema = { [key: string]: unknown };

const jsonSchema = z.record(z.string(), z.unknown());

// The part of the OpenAPI document the reference shows, parsed rather than cast: if the builder's output
// changes shape, the page fails loudly here instead of rendering half a reference.
const operationObject = z.object({
  operationId: z.string(),
  summary: z.string(),
  description: z.string().default(""),
  tags: z.array(z.string()).min(1),
  security: z.array(z.record(z.string(), z.array(z.string()))),
  "x-tollgate-meter": z.string(),
  parameters: z
    .array(
      z.object({
        name: z.string(),
        in: z.enum(["path", "query"]),
        required: z.boolean(),
        description: z.string().optional(),
        schema: jsonSchema,
      }),
    )
    .default([]),
  requestBody: z
    .object({ content: z.object({ "application/json": z.object({ schema: jsonSchema }) }) })
    .optional(),
  responses: z.record(
    z.string(),
    z.union([
      z.object({ $ref: z.string() }),
      z.object({
        description: z.string(),
        content: z.object({ "application/json": z.object({ schema: jsonSchema }) }).optional(),
      }),
    ]),
  ),
});

const openApiDocument = z.object({
  info: z.object({ title: z.string(), version: z.string(), description: z.string() }),
  servers: z.array(z.object({ url: z.string() })).min(1),
  paths: z.record(z.string(), z.record(z.string(), operationObject)),
  components: z.object({
    schemas: z.record(z.string(), jsonSchema),
    responses: z.record(z.string(), z.object({ description: z.string() })),
    securitySchemes: z.object({
      auth0: z.object({ flows: z.object({ clientCredentials: z.object({ tokenUrl: z.string() }) }) }),
      apiKey: z.object({ type: z.literal("http"), scheme: z.literal("bearer") }),
    }),
  }),
});

/** One response an operation documents: its success body, or a problem type. */
export interface ReferenceResponse {
  status: string;
  description: string;
  schema: JsonSchema | null;
  problem: ProblemName | null;
}

/** An operation as the reference page and the console show it. */
export interface ReferenceOperation {
  id: string;
  method: string;
  path: string;
  summary: string;
  tag: string;
  /** Paragraphs of the description, without the scope and cost sentences shown as facts instead. */
  paragraphs: string[];
  scopes: { mode: "all" | "any"; names: string[] };
  meter: string;
  /** Units a call costs, or null when they depend on the input (the description says how). */
  units: number | null;
  parameters: {
    name: string;
    in: "path" | "query";
    required: boolean;
    description?: string;
    schema: JsonSchema;
  }[];
  requestBody: JsonSchema | null;
  /** A request body that passes validation, as pretty JSON, for the console. */
  exampleBody: string | null;
  responses: ReferenceResponse[];
}

/** A problem type (RFC 9457) the API answers with. */
export interface ReferenceProblem {
  name: ProblemName;
  type: string;
  status: number;
  title: string;
}

/** Everything the API reference page shows. */
export interface ApiReference {
  title: string;
  version: string;
  description: string;
  baseUrl: string;
  tokenUrl: string;
  operations: ReferenceOperation[];
  schemas: [name: string, schema: JsonSchema][];
  problems: ReferenceProblem[];
}

// The builder writes the required scopes and a fixed cost into the description as prose; the page shows
// them as facts from `security` and the catalog, so those two sentences are dropped from the prose.
const GENERATED_SENTENCE = /^(Requires (a valid access token|all of|one of)|Costs \d+ units? of `)/;

/**
 * The API reference, read from the same OpenAPI document `GET /api/openapi.json` serves
 * (`buildOpenApiDocument` over the catalog), in catalog order.
 */
export function buildApiReference(options: OpenApiOptions): ApiReference {
  const document = openApiDocument.parse(buildOpenApiDocument(catalog, options));
  const schemas = document.components.schemas;
  const operations: ReferenceOperation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const declared = catalog.operations.find((candidate) => candidate.id === operation.operationId);
      const body = operation.requestBody?.content["application/json"].schema ?? null;
      operations.push({
        id: operation.operationId,
        method: method.toUpperCase(),
        path,
        summary: operation.summary,
        tag: operation.tags[0] ?? "",
        paragraphs: operation.description
          .split("\n\n")
          .filter((paragraph) => paragraph !== "" && !GENERATED_SENTENCE.test(paragraph)),
        scopes: scopesOf(operation.security),
        meter: operation["x-tollgate-meter"],
        units: typeof declared?.cost.units === "number" ? declared.cost.units : null,
        parameters: operation.parameters,
        requestBody: body,
        exampleBody: body ? JSON.stringify(exampleOf(body, schemas), null, 2) : null,
        responses: Object.entries(operation.responses).map(([status, response]) =>
          "$ref" in response
            ? problemResponse(status, response.$ref, document.components.responses)
            : {
                status,
                description: response.description,
                schema: response.content?.["application/json"].schema ?? null,
                problem: null,
              },
        ),
      });
    }
  }
  const order = new Map(catalog.operations.map((operation, index) => [operation.id, index]));
  operations.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));

  return {
    title: document.info.title,
    version: document.info.version,
    description: document.info.description,
    baseUrl: document.servers[0]?.url ?? options.baseUrl,
    tokenUrl: document.components.securitySchemes.auth0.flows.clientCredentials.tokenUrl,
    operations,
    schemas: Object.entries(schemas),
    problems: (Object.keys(PROBLEM_TYPES) as ProblemName[]).map((name) => ({
      name,
      type: problemType(name),
      status: PROBLEM_TYPES[name].status,
      title: PROBLEM_TYPES[name].title,
    })),
  };
}

// Each alternative is offered once per scheme (a JWT or an API key, with the same scopes), so the scopes
// are read from the JWT's alternatives alone.
function scopesOf(security: Record<string, string[]>[]): ReferenceOperation["scopes"] {
  const jwt = security.filter((requirement) => "auth0" in requirement);
  return {
    mode: jwt.length > 1 ? "any" : "all",
    names: jwt.flatMap((requirement) => requirement.auth0 ?? []),
  };
}

function problemResponse(
  status: string,
  ref: string,
  responses: Record<string, { description: string }>,
): ReferenceResponse {
  const name = ref.replace("#/components/responses/", "");
  if (!isProblemName(name)) throw new Error(`The OpenAPI document refers to an unknown response: ${ref}`);
  return {
    status,
    description: responses[name]?.description ?? PROBLEM_TYPES[name].title,
    schema: null,
    problem: name,
  };
}

function isProblemName(name: string): name is ProblemName {
  return Object.hasOwn(PROBLEM_TYPES, name);
}

/** The name of a component schema a `$ref` points to, or null. */
export function refName(schema: JsonSchema): string | null {
  const ref = schema.$ref;
  return typeof ref === "string" && ref.startsWith("#/components/schemas/")
    ? ref.slice("#/components/schemas/".length)
    : null;
}

const EXAMPLE_UUID = "00000000-0000-4000-8000-000000000000";

/**
 * A value that satisfies `schema`: defaults where declared, else the smallest allowed value. Objects get
 * their required properties and those with a default.
 */
export function exampleOf(schema: JsonSchema, schemas: Record<string, JsonSchema>, depth = 0): unknown {
  if (depth > 8) return null;
  const name = refName(schema);
  if (name) {
    const target = schemas[name];
    return target ? exampleOf(target, schemas, depth + 1) : null;
  }
  if ("default" in schema) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0] ?? null;
  if (Array.isArray(schema.anyOf) && schema.anyOf.length > 0) {
    return exampleOf(asSchema(schema.anyOf[0]), schemas, depth + 1);
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object": {
      const properties = isRecord(schema.properties) ? schema.properties : {};
      const required = new Set(Array.isArray(schema.required) ? schema.required : []);
      return Object.fromEntries(
        Object.entries(properties)
          .filter(([key, property]) => required.has(key) || (isRecord(property) && "default" in property))
          .map(([key, property]) => [key, exampleOf(asSchema(property), schemas, depth + 1)]),
      );
    }
    case "array":
      return [];
    case "integer":
    case "number":
      return typeof schema.minimum === "number" && Number.isSafeInteger(schema.minimum) && schema.minimum > 0
        ? schema.minimum
        : 1;
    case "boolean":
      return false;
    case "string":
      if (schema.format === "uuid") return EXAMPLE_UUID;
      if (schema.format === "date-time") return "2025-01-01T00:00:00Z";
      return "example";
    default:
      return null;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asSchema(value: unknown): JsonSchema {
  return isRecord(value) ? value : {};
}

/** How a schema's type reads on the page; `ref` names link to the schema's table. */
export type TypeLabel =
  | { kind: "ref"; name: string }
  | { kind: "array"; items: TypeLabel }
  | { kind: "union"; options: TypeLabel[] }
  | { kind: "plain"; text: string };

/** The type of a schema, for a table cell. */
export function typeLabel(schema: JsonSchema): TypeLabel {
  const name = refName(schema);
  if (name) return { kind: "ref", name };
  if (Array.isArray(schema.anyOf))
    return { kind: "union", options: schema.anyOf.map((option) => typeLabel(asSchema(option))) };
  if (Array.isArray(schema.enum))
    return { kind: "plain", text: schema.enum.map((value) => JSON.stringify(value)).join(" | ") };
  if (Array.isArray(schema.type)) {
    return { kind: "union", options: schema.type.map((type) => typeLabel({ ...schema, type })) };
  }
  if (schema.type === "array") return { kind: "array", items: typeLabel(asSchema(schema.items)) };
  const type = typeof schema.type === "string" ? schema.type : "any";
  return { kind: "plain", text: typeof schema.format === "string" ? `${type} (${schema.format})` : type };
}

// zod writes these bounds for every int; they say nothing a reader needs.
const SAFE_INTEGER_BOUND = Number.MAX_SAFE_INTEGER;

/** The constraints of a schema in plain words: `1 to 100`, `default 20`, `1 to 80 characters`. */
export function constraintsOf(schema: JsonSchema): string[] {
  const words: string[] = [];
  const bound = (value: unknown) =>
    typeof value === "number" && Math.abs(value) < SAFE_INTEGER_BOUND ? value : undefined;
  const min = bound(schema.minimum);
  const max = bound(schema.maximum);
  if (min !== undefined && max !== undefined) words.push(`${min} to ${max}`);
  else if (min !== undefined) words.push(`at least ${min}`);
  else if (max !== undefined) words.push(`at most ${max}`);
  const minLength = typeof schema.minLength === "number" ? schema.minLength : undefined;
  const maxLength = typeof schema.maxLength === "number" ? schema.maxLength : undefined;
  if (minLength !== undefined && maxLength !== undefined)
    words.push(`${minLength} to ${maxLength} characters`);
  else if (maxLength !== undefined) words.push(`at most ${maxLength} characters`);
  else if (minLength !== undefined) words.push(`at least ${minLength} characters`);
  // A format (uuid, date-time) already says what the generated pattern would.
  if (typeof schema.pattern === "string" && typeof schema.format !== "string")
    words.push(`matches ${schema.pattern}`);
  if ("default" in schema) words.push(`default ${JSON.stringify(schema.default)}`);
  return words;
}
