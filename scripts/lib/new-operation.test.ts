import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { catalog } from "@/product/operations";
import {
  describeOperation,
  planFiles,
  UsageError,
  type NewOperation,
  type NewOperationArgs,
} from "./new-operation";

const operations = readFileSync(new URL("../../product/operations.ts", import.meta.url), "utf8");

describe("describeOperation", () => {
  it.each<[string, Omit<NewOperationArgs, "id">, Partial<NewOperation>]>([
    [
      "exportReport",
      {},
      { method: "POST", path: "/api/v1/reports", scope: "export:reports", tag: "Reports" },
    ],
    [
      "listInvoiceEntries",
      {},
      { method: "GET", path: "/api/v1/invoice-entries", scope: "get:invoice-entries" },
    ],
    ["deleteBox", {}, { method: "DELETE", path: "/api/v1/boxes", scope: "delete:boxes" }],
    [
      "getReport",
      { path: "/api/v1/reports/{reportId}" },
      { method: "GET", scope: "get:reports", params: ["reportId"], units: 1 },
    ],
    [
      "runJob",
      { method: "PUT", scope: "run:jobs", units: "0" },
      { method: "PUT", scope: "run:jobs", units: 0 },
    ],
  ])("%s %j", (id, options, expected) => {
    expect(describeOperation({ id, ...options })).toMatchObject(expected);
  });

  it.each([
    [{ id: "Report" }, /^id: a camelCase operation id/],
    [{ id: "report" }, /^id: a camelCase operation id/],
    [{ id: "getReport", path: "/api/v2/reports" }, /^path: a path under \/api\/v1/],
    [{ id: "getReport", scope: "reports" }, /^scope: verb:resource/],
    [{ id: "getReport", units: "-1" }, /^units: /],
    [{ id: "getReport", colour: "red" } as never, /Unrecognized key/],
  ])("refuses %j, saying why", (args, message) => {
    expect(() => describeOperation(args)).toThrow(UsageError);
    expect(() => describeOperation(args)).toThrow(message);
  });
});

describe("planFiles", () => {
  it("declares the operation above the catalog, lists it last, and writes its route and test", () => {
    const files = planFiles(
      describeOperation({ id: "exportReport", path: "/api/v1/reports/{id}/export", units: 3 }),
      { operations, route: undefined },
      catalog.operations,
    );
    expect([...files.keys()]).toEqual([
      "product/operations.ts",
      "app/api/v1/reports/[id]/export/route.ts",
      "app/api/v1/reports/[id]/export/export-report.int.test.ts",
    ]);
    const declared = files.get("product/operations.ts") ?? "";
    expect(
      declared.startsWith(operations.slice(0, operations.indexOf("/** Every operation of the API. */"))),
    ).toBe(true);
    expect(declared).toMatch(
      /export const exportReport = defineOperation\(\{[\s\S]*units: 3 \}[\s\S]*\/\*\* Every operation/,
    );
    expect(declared).toMatch(/getUsage,\n {2}exportReport,\n\]\);\n$/);
    expect(files.get("app/api/v1/reports/[id]/export/route.ts")).toMatch(
      /^export const POST = withOperation\(exportReport, /m,
    );
  });

  it("adds a method to an existing route file, importing the operation beside the others", () => {
    const route = readFileSync(new URL("../../app/api/v1/widgets/route.ts", import.meta.url), "utf8");
    const files = planFiles(
      describeOperation({ id: "replaceWidgets", path: "/api/v1/widgets" }),
      { operations, route },
      catalog.operations,
    );
    const written = files.get("app/api/v1/widgets/route.ts") ?? "";
    expect(
      written.startsWith(
        route.trimEnd().replace("createWidget, listWidgets }", "createWidget, listWidgets, replaceWidgets }"),
      ),
    ).toBe(true);
    expect(written).toMatch(/^export const PUT = withOperation\(replaceWidgets, /m);
  });

  it.each([
    [{ id: "listWidgets", path: "/api/v1/things" }, "declares listWidgets already"],
    [{ id: "listThings", path: "/api/v1/widgets" }, "GET /api/v1/widgets is listWidgets already"],
  ])("refuses %j", (args, message) => {
    expect(() => planFiles(describeOperation(args), { operations, route: "" }, catalog.operations)).toThrow(
      message,
    );
  });

  it("refuses a route file that exports the method already, and an operations file without a catalog", () => {
    const operation = describeOperation({ id: "createThing", path: "/api/v1/things" });
    expect(() =>
      planFiles(operation, { operations, route: "export const POST = () => new Response();\n" }, []),
    ).toThrow("exports POST already");
    expect(() => planFiles(operation, { operations: "export const x = 1;\n", route: undefined }, [])).toThrow(
      'has no "export const catalog',
    );
  });
});
