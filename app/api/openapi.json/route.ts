import { getConfig } from "@/lib/config";
import { buildOpenApiDocument } from "@/lib/api/openapi";
import { catalog } from "@/product/operations";

export const dynamic = "force-dynamic";

// GET /api/openapi.json – the API's OpenAPI 3.1 document, generated from the catalog; public
export function GET() {
  const { auth, gate } = getConfig();
  const document = buildOpenApiDocument(catalog, {
    baseUrl: auth.appBaseUrl,
    issuer: gate.issuer,
    audience: gate.audience,
  });
  return Response.json(document, { headers: { "cache-control": "public, max-age=300" } });
}
