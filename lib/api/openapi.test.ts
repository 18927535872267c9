import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { Catalog, requiredScopes } from "./catalog";
import { buildOpenApiDocument } from "./openapi";
import { catalog } from "@/product/operations";

const document = buildOpenApiDocument(catalog, {
  baseUrl: "https://tollgate.example.com",
  issuer: "https://tenant.auth0.com/",
  audience: "https://api.example.com/",
});

describe("the OpenAPI document", () => {
  it("validates against the OpenAPI 3.1 schema", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("lists every catalog operation with its scopes under security, for a JWT or an API key", () => {
    for (const operation of catalog.operations) {
      const described = document.paths[operation.path]?.[operation.method.toLowerCase()] as
        { operationId: string; security: Record<string, string[]>[] } | undefined;
      const scopes = [...requiredScopes(operation.scopes)];
      expect(described?.operationId).toBe(operation.id);
      expect(described?.security).toEqual([{ auth0: scopes }, { apiKey: scopes }]);
    }
  });

  it("offers each of several acceptable scopes as its own alternative, for either scheme", () => {
    const [first] = catalog.operations;
    if (!first) throw new Error("The catalog has no operations");
    const operation = { ...first, scopes: { anyOf: ["get:widgets", "create:widgets"] } };
    const built = buildOpenApiDocument(new Catalog([operation]), {
      baseUrl: "https://tollgate.example.com",
      issuer: "https://tenant.auth0.com/",
      audience: "https://api.example.com/",
    });
    const described = built.paths[operation.path]?.[operation.method.toLowerCase()] as
      { security: Record<string, string[]>[] } | undefined;
    expect(described?.security).toEqual([
      { auth0: ["get:widgets"] },
      { auth0: ["create:widgets"] },
      { apiKey: ["get:widgets"] },
      { apiKey: ["create:widgets"] },
    ]);
  });

  it("describes API keys as a bearer scheme of their own", () => {
    expect(document.components.securitySchemes.apiKey).toMatchObject({
      type: "http",
      scheme: "bearer",
      bearerFormat: expect.stringMatching(/tg_test_.*tg_live_/),
    });
  });

  it("describes client credentials against the issuer, with every scope", () => {
    const flows = document.components.securitySchemes.auth0.flows;
    expect(flows.clientCredentials.tokenUrl).toBe("https://tenant.auth0.com/oauth/token");
    expect(Object.keys(flows.clientCredentials.scopes)).toEqual([
      "create:widgets",
      "delete:widgets",
      "get:widgets",
      "read:usage",
      "render:widgets",
    ]);
  });
});
