import { describe, expect, it } from "vitest";
import { requiredScopes } from "@/lib/api/catalog";
import { catalog, NewWidget, RenderRequest } from "@/product/operations";
import { PROBLEM_TYPES } from "@/lib/errors";
import { buildApiReference, constraintsOf, exampleOf, typeLabel } from "./reference";

const reference = buildApiReference({
  baseUrl: "https://tollgate.example.com",
  issuer: "https://tenant.auth0.com/",
  audience: "https://api.example.com/",
});

describe("the API reference", () => {
  it("shows every catalog operation in catalog order, with its scopes and cost", () => {
    expect(reference.operations.map((operation) => operation.id)).toEqual(
      catalog.operations.map((operation) => operation.id),
    );
    for (const operation of catalog.operations) {
      const shown = reference.operations.find((candidate) => candidate.id === operation.id);
      expect(shown?.method).toBe(operation.method);
      expect(shown?.path).toBe(operation.path);
      expect(shown?.scopes.names).toEqual([...requiredScopes(operation.scopes)]);
      expect(shown?.meter).toBe(operation.cost.meter);
      expect(shown?.units).toBe(typeof operation.cost.units === "number" ? operation.cost.units : null);
    }
  });

  it("keeps the description's own words and drops the generated scope and cost sentences", () => {
    const render = reference.operations.find((operation) => operation.id === "renderWidget");
    expect(render?.paragraphs).toEqual(["Costs one unit per started 250,000 pixels of output."]);
    const list = reference.operations.find((operation) => operation.id === "listWidgets");
    expect(list?.paragraphs).toEqual([]);
  });

  it("gives example bodies the operation's own schema accepts", () => {
    const create = reference.operations.find((operation) => operation.id === "createWidget");
    const render = reference.operations.find((operation) => operation.id === "renderWidget");
    expect(NewWidget.safeParse(JSON.parse(create?.exampleBody ?? "null")).success).toBe(true);
    expect(RenderRequest.safeParse(JSON.parse(render?.exampleBody ?? "null")).success).toBe(true);
    expect(reference.operations.find((operation) => operation.id === "getCaller")?.exampleBody).toBeNull();
  });

  it("links error responses to the problem table, which lists every problem type", () => {
    const create = reference.operations.find((operation) => operation.id === "createWidget");
    expect(create?.responses.find((response) => response.status === "402")).toMatchObject({
      problem: "subscription_required",
      description: PROBLEM_TYPES.subscription_required.title,
    });
    expect(create?.responses.find((response) => response.status === "201")?.schema).toEqual({
      $ref: "#/components/schemas/Widget",
    });
    expect(reference.problems.map((problem) => problem.name)).toEqual(Object.keys(PROBLEM_TYPES));
    expect(reference.problems.find((problem) => problem.name === "quota_exceeded")?.type).toBe(
      "https://tollgate.dev/problems/quota-exceeded",
    );
  });

  it("reads the token URL and base URL from the document", () => {
    expect(reference.tokenUrl).toBe("https://tenant.auth0.com/oauth/token");
    expect(reference.baseUrl).toBe("https://tollgate.example.com");
  });
});

describe("schema labels", () => {
  it.each([
    [{ $ref: "#/components/schemas/Widget" }, { kind: "ref", name: "Widget" }],
    [
      { type: "string", format: "uuid" },
      { kind: "plain", text: "string (uuid)" },
    ],
    [
      { type: "string", enum: ["person", "machine"] },
      { kind: "plain", text: '"person" | "machine"' },
    ],
    [
      { type: ["string", "null"] },
      {
        kind: "union",
        options: [
          { kind: "plain", text: "string" },
          { kind: "plain", text: "null" },
        ],
      },
    ],
    [
      { type: "array", items: { $ref: "#/components/schemas/Widget" } },
      { kind: "array", items: { kind: "ref", name: "Widget" } },
    ],
  ])("%j reads as %j", (schema, label) => {
    expect(typeLabel(schema)).toEqual(label);
  });

  it.each([
    [{ type: "integer", minimum: 1, maximum: 100, default: 20 }, ["1 to 100", "default 20"]],
    [{ type: "integer", minimum: -9007199254740991, maximum: 9007199254740991 }, []],
    [{ type: "string", minLength: 1, maxLength: 80 }, ["1 to 80 characters"]],
    [{ type: "string", pattern: "^#[0-9a-f]{6}$" }, ["matches ^#[0-9a-f]{6}$"]],
    [{ type: "string", format: "uuid", pattern: "^[0-9a-f-]+$" }, []],
  ])("%j has constraints %j", (schema, words) => {
    expect(constraintsOf(schema)).toEqual(words);
  });

  it("makes examples from defaults and minimums, following references", () => {
    const schemas = { Size: { type: "integer", minimum: 16 } };
    expect(
      exampleOf(
        {
          type: "object",
          properties: {
            size: { $ref: "#/components/schemas/Size" },
            color: { type: "string", default: "#4338ca" },
            note: { type: "string" },
          },
          required: ["size"],
        },
        schemas,
      ),
    ).toEqual({ size: 16, color: "#4338ca" });
  });
});
