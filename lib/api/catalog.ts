import type { z } from "zod";
import type { ScopeRequirement } from "@/lib/gate/scopes";

/** HTTP methods an operation may declare. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export type { ScopeRequirement };

/** What a call costs: the meter it counts against and how many units (fixed, or from the input). */
export interface OperationCost<Input> {
  meter: string;
  units: number | ((input: Input) => number);
}

/** The parsed input of an operation, as its handler receives it. */
export interface OperationInput<Params, Query, Body> {
  params: Params;
  query: Query;
  body: Body;
}

/**
 * One API operation: everything the gate, the route handler, metering and the OpenAPI document need
 * to know about it, declared once.
 */
export interface Operation<
  Params extends z.ZodType = z.ZodType,
  Query extends z.ZodType = z.ZodType,
  Body extends z.ZodType = z.ZodType,
  Result extends z.ZodType = z.ZodType,
> {
  /** Stable name, used as OpenAPI `operationId` and in logs. */
  id: string;
  method: HttpMethod;
  /** Path template under the site root, with `{name}` parameters: `/api/v1/widgets/{id}`. */
  path: `/api/v1/${string}`;
  summary: string;
  description?: string;
  tag: string;
  scopes: ScopeRequirement;
  cost: OperationCost<OperationInput<z.output<Params>, z.output<Query>, z.output<Body>>>;
  params: Params;
  query: Query;
  body: Body;
  /** The 2xx response body (`status`); `null` schema for 204 No Content. */
  response: { status: 200 | 201 | 204; schema: Result };
}

/** Parsed input of an operation `O`. */
export type InputOf<O extends Operation> = OperationInput<
  z.output<O["params"]>,
  z.output<O["query"]>,
  z.output<O["body"]>
>;

/** The 2xx body type of an operation `O`. */
export type ResultOf<O extends Operation> = z.input<O["response"]["schema"]>;

/** Declares an operation, keeping its schemas' types for the handler. */
export function defineOperation<
  Params extends z.ZodType,
  Query extends z.ZodType,
  Body extends z.ZodType,
  Result extends z.ZodType,
>(operation: Operation<Params, Query, Body, Result>): Operation<Params, Query, Body, Result> {
  return operation;
}

/** The scopes named by a requirement, in declaration order. */
export function requiredScopes(requirement: ScopeRequirement): readonly string[] {
  return "anyOf" in requirement ? requirement.anyOf : (requirement.allOf ?? []);
}

/**
 * The file Next serves a path template from, relative to the project root:
 * `/api/v1/widgets/{id}` is `app/api/v1/widgets/[id]/route.ts`.
 */
export function routeFileFor(path: string): string {
  return `app${path.replace(/\{([^}]+)\}/g, "[$1]")}/route.ts`;
}

/** Units a call costs, from the operation's declaration and the call's parsed input. */
export function unitsFor<O extends Operation>(operation: O, input: InputOf<O>): number {
  const { units } = operation.cost;
  return typeof units === "number" ? units : units(input);
}

interface CompiledPath {
  segments: readonly string[];
  operations: Map<HttpMethod, Operation>;
}

/** Result of matching a request against the catalog. */
export type RouteMatch =
  | { kind: "found"; operation: Operation; params: Record<string, string> }
  | { kind: "method_not_allowed"; allowed: HttpMethod[] }
  | { kind: "not_found" };

/**
 * The operations of the API, indexed for matching requests: `match("GET", "/api/v1/widgets/123")`.
 * Literal segments win over parameters, so `/widgets/usage` can sit beside `/widgets/{id}`.
 */
export class Catalog {
  readonly operations: readonly Operation[];
  /**
   * Every scope some operation requires, in declaration order: the API's Auth0 permissions and the
   * features plans grant.
   */
  readonly scopes: readonly string[];
  private readonly paths: CompiledPath[];

  constructor(operations: readonly Operation[]) {
    this.operations = operations;
    this.scopes = [...new Set(operations.flatMap((operation) => requiredScopes(operation.scopes)))];
    const byPath = new Map<string, CompiledPath>();
    for (const operation of operations) {
      let compiled = byPath.get(operation.path);
      if (!compiled) {
        compiled = { segments: operation.path.split("/").slice(1), operations: new Map() };
        byPath.set(operation.path, compiled);
      }
      if (compiled.operations.has(operation.method)) {
        throw new Error(`Catalog declares ${operation.method} ${operation.path} twice`);
      }
      if (operations.filter((other) => other.id === operation.id).length > 1) {
        throw new Error(`Catalog declares operation id ${operation.id} twice`);
      }
      compiled.operations.set(operation.method, operation);
    }
    // More literal segments first: a literal beats a parameter at the same position.
    this.paths = [...byPath.values()].sort((a, b) => literalWeight(b) - literalWeight(a));
  }

  /** Finds the operation for a method and URL path (already percent-decoded by nobody: raw). */
  match(method: string, pathname: string): RouteMatch {
    const segments = pathname.replace(/\/+$/, "").split("/").slice(1);
    for (const path of this.paths) {
      const params = matchSegments(path.segments, segments);
      if (!params) continue;
      const operation = path.operations.get(method.toUpperCase() as HttpMethod);
      if (operation) return { kind: "found", operation, params };
      // HEAD is served wherever GET is (RFC 9110 §9.3.2); Next answers it from the GET handler.
      if (method.toUpperCase() === "HEAD" && path.operations.has("GET")) {
        return { kind: "found", operation: path.operations.get("GET") as Operation, params };
      }
      return { kind: "method_not_allowed", allowed: [...path.operations.keys()] };
    }
    return { kind: "not_found" };
  }
}

function literalWeight(path: CompiledPath): number {
  return path.segments.reduce(
    (weight, segment, index) => (isParam(segment) ? weight : weight + 2 ** -index),
    0,
  );
}

function isParam(segment: string): boolean {
  return segment.startsWith("{") && segment.endsWith("}");
}

function matchSegments(
  template: readonly string[],
  actual: readonly string[],
): Record<string, string> | null {
  if (template.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (let index = 0; index < template.length; index++) {
    const expected = template[index] as string;
    const value = actual[index] as string;
    if (isParam(expected)) {
      if (value === "") return null;
      let decoded: string;
      try {
        decoded = decodeURIComponent(value);
      } catch {
        return null;
      }
      params[expected.slice(1, -1)] = decoded;
    } else if (expected !== value) {
      return null;
    }
  }
  return params;
}
