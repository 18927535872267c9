import { z } from "zod";
import { requiredScopes, type Catalog, type Operation } from "./catalog";
import { PROBLEM_TYPES } from "@/lib/errors";

type JsonSchema = Record<string, unknown>;

export interface OpenApiOptions {
  /** Public URL of the app, for `servers`. */
  baseUrl: string;
  /** Token issuer (Auth0 tenant URL with trailing slash), for the OAuth2 flows. */
  issuer: string;
  /** The API identifier clients request tokens for. */
  audience: string;
  version?: string;
}

const SECURITY_SCHEME = "auth0";
const API_KEY_SCHEME = "apiKey";

/**
 * The OpenAPI 3.1 document of the API, generated from the catalog: every operation with its
 * parameters, bodies, responses and the scopes it requires under `security`.
 */
export function buildOpenApiDocument(catalog: Catalog, options: OpenApiOptions) {
  const schemas: Record<string, JsonSchema> = { Problem: problemSchema() };
  const paths: Record<string, Record<string, unknown>> = {};
  const allScopes = new Set<string>();

  for (const operation of catalog.operations) {
    for (const scope of requiredScopes(operation.scopes)) allScopes.add(scope);
    const pathItem = (paths[operation.path] ??= {});
    pathItem[operation.method.toLowerCase()] = describeOperation(operation, schemas);
  }

  const scopes = Object.fromEntries([...allScopes].sort().map((scope) => [scope, describeScope(scope)]));
  return {
    openapi: "3.1.0",
    info: {
      title: "Tollgate API",
      version: options.version ?? "1.0.0",
      description:
        "Every operation needs an API key from the dashboard (`Authorization: Bearer tg_live_...`) or an Auth0 " +
        "access token for this API (`Authorization: Bearer ...`), with the scopes listed under its security " +
        `requirement. Request a token with client credentials and \`audience=${options.audience}\`. ` +
        "Errors are RFC 9457 problem details.",
    },
    servers: [{ url: options.baseUrl }],
    tags: [...new Set(catalog.operations.map((operation) => operation.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas,
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: "oauth2",
          description: `Auth0 access tokens for audience ${options.audience}.`,
          flows: {
            clientCredentials: { tokenUrl: `${options.issuer}oauth/token`, scopes },
            authorizationCode: {
              authorizationUrl: `${options.issuer}authorize`,
              tokenUrl: `${options.issuer}oauth/token`,
              scopes,
            },
          },
        },
        [API_KEY_SCHEME]: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "tg_test_... or tg_live_... (an API key from the dashboard)",
          description:
            "An API key made on the dashboard's API access page, sent as a bearer token. It carries the " +
            "scopes chosen when it was made; `tg_test_` keys bill through Stripe's test mode, `tg_live_` keys " +
            "through live mode.",
        },
      },
      responses: Object.fromEntries(
        Object.entries(PROBLEM_TYPES).map(([name, problem]) => [
          name,
          {
            description: problem.title,
            content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
          },
        ]),
      ),
    },
  };
}

function describeOperation(operation: Operation, schemas: Record<string, JsonSchema>) {
  const scopes = requiredScopes(operation.scopes);
  // Alternatives in `security` are OR'ed (OpenAPI 3.1, Security Requirement Object): a JWT or an API key,
  // each with the scopes it must carry. For an `http` scheme the list names roles, which is what a key's
  // scopes are to the gate.
  const scopeSets: string[][] =
    "allOf" in operation.scopes || scopes.length === 0 ? [[...scopes]] : scopes.map((scope) => [scope]);
  const security = [SECURITY_SCHEME, API_KEY_SCHEME].flatMap((scheme) =>
    scopeSets.map((set) => ({ [scheme]: set })),
  );
  const cost = operation.cost.units;
  const parameters = [
    ...objectParameters(operation.params, "path", schemas),
    ...objectParameters(operation.query, "query", schemas),
  ];
  const hasBody = !(operation.body instanceof z.ZodUndefined);
  const successSchema =
    operation.response.status === 204 ? undefined : toSchema(operation.response.schema, "output", schemas);

  return {
    operationId: operation.id,
    summary: operation.summary,
    description: [
      operation.description,
      scopes.length === 0
        ? "Requires a valid access token; no scope."
        : `Requires ${"allOf" in operation.scopes ? "all of" : "one of"}: ${scopes.map((s) => `\`${s}\``).join(", ")}.`,
      typeof cost === "number"
        ? `Costs ${cost} unit${cost === 1 ? "" : "s"} of \`${operation.cost.meter}\`.`
        : "",
    ]
      .filter(Boolean)
      .join("\n\n"),
    tags: [operation.tag],
    security,
    "x-tollgate-meter": operation.cost.meter,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(hasBody
      ? {
          requestBody: {
            required: true,
            content: { "application/json": { schema: toSchema(operation.body, "input", schemas) } },
          },
        }
      : {}),
    responses: {
      [String(operation.response.status)]: successSchema
        ? { description: "Success", content: { "application/json": { schema: successSchema } } }
        : { description: "Success, no content" },
      ...Object.fromEntries(
        Object.entries(PROBLEM_TYPES)
          .filter(([, problem]) => problem.inOpenApi)
          .map(([name, problem]) => [String(problem.status), { $ref: `#/components/responses/${name}` }]),
      ),
    },
  };
}

function objectParameters(
  schema: z.ZodType,
  location: "path" | "query",
  schemas: Record<string, JsonSchema>,
) {
  const json = toSchema(schema, "input", schemas);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: location,
      required: location === "path" || required.has(name),
      ...(typeof description === "string" ? { description } : {}),
      schema: rest,
    };
  });
}

/** Zod to JSON Schema 2020-12 (OpenAPI 3.1's dialect), moving named schemas to components. */
function toSchema(
  schema: z.ZodType,
  io: "input" | "output",
  schemas: Record<string, JsonSchema>,
): JsonSchema {
  const {
    $schema: _dialect,
    $defs,
    ...json
  } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  }) as JsonSchema & { $defs?: Record<string, JsonSchema> };
  for (const [name, definition] of Object.entries($defs ?? {})) schemas[name] ??= rewriteRefs(definition);
  return rewriteRefs(json);
}

function rewriteRefs<T>(value: T): T {
  if (Array.isArray(value)) return value.map(rewriteRefs) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) =>
        key === "$ref" && typeof inner === "string"
          ? [key, inner.replace("#/$defs/", "#/components/schemas/")]
          : [key, rewriteRefs(inner)],
      ),
    ) as T;
  }
  return value;
}

function describeScope(scope: string): string {
  const [verb, resource] = scope.split(":");
  return resource ? `${verb} ${resource}` : scope;
}

function problemSchema(): JsonSchema {
  return {
    type: "object",
    description: "RFC 9457 problem details.",
    properties: {
      type: { type: "string", format: "uri", description: "Stable identifier of the problem type." },
      title: { type: "string" },
      status: { type: "integer" },
      detail: { type: "string", description: "What went wrong and what to do about it." },
      instance: { type: "string", description: "The request path." },
      request_id: { type: "string", description: "Quote it when asking for support." },
    },
    required: ["type", "title", "status"],
  };
}
