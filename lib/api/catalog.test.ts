import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Catalog, defineOperation, unitsFor, type HttpMethod } from "./catalog";
import { catalog, renderWidget } from "@/product/operations";

const op = (method: HttpMethod, path: `/api/v1/${string}`, id: string) =>
  defineOperation({
    id,
    method,
    path,
    summary: id,
    tag: "t",
    scopes: { allOf: [] },
    cost: { meter: "m", units: 1 },
    params: z.object({}),
    query: z.object({}),
    body: z.undefined(),
    response: { status: 200, schema: z.object({}) },
  });

const routes = new Catalog([
  op("GET", "/api/v1/items", "list"),
  op("POST", "/api/v1/items", "create"),
  op("GET", "/api/v1/items/{id}", "get"),
  op("GET", "/api/v1/items/usage", "usage"),
  op("POST", "/api/v1/items/{id}/render", "render"),
]);

describe("Catalog.match", () => {
  it.each([
    ["GET", "/api/v1/items", { kind: "found", id: "list", params: {} }],
    ["POST", "/api/v1/items/", { kind: "found", id: "create", params: {} }],
    ["GET", "/api/v1/items/abc", { kind: "found", id: "get", params: { id: "abc" } }],
    ["GET", "/api/v1/items/a%20b", { kind: "found", id: "get", params: { id: "a b" } }],
    ["GET", "/api/v1/items/usage", { kind: "found", id: "usage", params: {} }],
    ["HEAD", "/api/v1/items/abc", { kind: "found", id: "get", params: { id: "abc" } }],
    ["POST", "/api/v1/items/7/render", { kind: "found", id: "render", params: { id: "7" } }],
    ["DELETE", "/api/v1/items", { kind: "method_not_allowed", allowed: ["GET", "POST"] }],
    ["GET", "/api/v1/items/7/render", { kind: "method_not_allowed", allowed: ["POST"] }],
    ["GET", "/api/v1/items/%E0%A4%A", { kind: "not_found" }],
    ["GET", "/api/v1/things", { kind: "not_found" }],
    ["GET", "/api/v1/items/1/2/3", { kind: "not_found" }],
    ["GET", "/api/v1", { kind: "not_found" }],
  ] as const)("%s %s", (method, path, expected) => {
    const match = routes.match(method, path);
    if (match.kind === "found") {
      expect({ kind: match.kind, id: match.operation.id, params: match.params }).toEqual(expected);
    } else {
      expect(match).toEqual(expected);
    }
  });

  it("refuses a catalog that declares an operation twice", () => {
    expect(() => new Catalog([op("GET", "/api/v1/a", "a"), op("GET", "/api/v1/a", "b")])).toThrow(/twice/);
    expect(() => new Catalog([op("GET", "/api/v1/a", "a"), op("POST", "/api/v1/a", "a")])).toThrow(/twice/);
  });
});

describe("the demo catalog", () => {
  it("prices renders by started quarter-megapixel", () => {
    const input = (width: number, height: number) => ({
      params: { id: "x" },
      query: {},
      body: { width, height },
    });
    expect(unitsFor(renderWidget, input(16, 16))).toBe(1);
    expect(unitsFor(renderWidget, input(500, 500))).toBe(1);
    expect(unitsFor(renderWidget, input(500, 501))).toBe(2);
    expect(unitsFor(renderWidget, input(4096, 4096))).toBe(68);
  });

  it("separates read and write scopes", () => {
    const scopesOf = (id: string) => catalog.operations.find((operation) => operation.id === id)?.scopes;
    expect(scopesOf("listWidgets")).toEqual({ allOf: ["get:widgets"] });
    expect(scopesOf("createWidget")).toEqual({ allOf: ["create:widgets"] });
    expect(scopesOf("deleteWidget")).toEqual({ allOf: ["delete:widgets"] });
  });
});
