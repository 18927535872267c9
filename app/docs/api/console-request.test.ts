import { describe, expect, it } from "vitest";
import { buildRequestBody, buildRequestPath, formatBody, pickHeaders } from "./console-request";

const getWidget = {
  path: "/api/v1/widgets/{id}",
  pathParams: [{ name: "id", example: "" }],
  queryParams: [],
};
const listWidgets = {
  path: "/api/v1/widgets",
  pathParams: [],
  queryParams: [
    { name: "limit", description: "", placeholder: "20" },
    { name: "cursor", description: "", placeholder: "" },
  ],
};

describe("the console's request path", () => {
  it.each([
    [
      getWidget,
      { id: "0b6e4b9e-5b7d-4c1a-9a51-1f0f2d3c4b5a" },
      "/api/v1/widgets/0b6e4b9e-5b7d-4c1a-9a51-1f0f2d3c4b5a",
    ],
    [getWidget, { id: " a/b?c#d " }, "/api/v1/widgets/a%2Fb%3Fc%23d"],
    [listWidgets, {}, "/api/v1/widgets"],
    [listWidgets, { "query.limit": "5", "query.cursor": " " }, "/api/v1/widgets?limit=5"],
    [listWidgets, { "query.limit": "5&x=1" }, "/api/v1/widgets?limit=5%26x%3D1"],
  ])("%#: fills the template", (operation, values, expected) => {
    expect(buildRequestPath(operation, values)).toEqual({ ok: true, value: expected });
  });

  it.each([
    [{}, "Fill in id: this path needs it."],
    [{ id: "  " }, "Fill in id: this path needs it."],
    [{ id: ".." }, 'id cannot be "..".'],
  ])("refuses %j in plain words", (values, message) => {
    expect(buildRequestPath(getWidget, values)).toEqual({ ok: false, message });
  });
});

describe("the console's request body", () => {
  it("sends valid JSON compactly", () => {
    expect(buildRequestBody('{\n  "width": 16\n}')).toEqual({ ok: true, value: '{"width":16}' });
  });

  it("says what is wrong with invalid or missing JSON", () => {
    const invalid = buildRequestBody("{ width: 16 }");
    expect(invalid.ok).toBe(false);
    expect(!invalid.ok && invalid.message).toMatch(/^The request body is not valid JSON \(.+\)\. Fix it/);
    expect(buildRequestBody("  ")).toEqual({
      ok: false,
      message: "Write a JSON request body: this operation needs one.",
    });
  });
});

describe("the console's response view", () => {
  it("shows the headers that matter, in a fixed order", () => {
    const headers = new Headers({
      "x-request-id": "req-1",
      ratelimit: '"free";r=4;t=1',
      "content-type": "application/problem+json",
      "set-cookie": "never=shown",
      "cache-control": "no-store",
    });
    expect(pickHeaders(headers)).toEqual([
      ["content-type", "application/problem+json"],
      ["ratelimit", '"free";r=4;t=1'],
      ["x-request-id", "req-1"],
    ]);
  });

  it.each([
    ['{"a":1}', "application/json", '{\n  "a": 1\n}'],
    ['{"status":402}', "application/problem+json", '{\n  "status": 402\n}'],
    ["{broken", "application/json", "{broken"],
    ["<svg/>", "image/svg+xml", "<svg/>"],
    ["", null, ""],
  ])("formats %j (%s)", (text, type, expected) => {
    expect(formatBody(text, type)).toBe(expected);
  });
});
