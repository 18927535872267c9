import "server-only";
import { getConfig } from "@/lib/config";
import { problemResponse, TollgateError } from "@/lib/errors";

/**
 * The benchmark's reference routes: the same small JSON answer as GET /api/v1/me, without the gate
 * (/api/bench/plain) and behind a proxy that does nothing (/api/bench/proxied). Not found unless
 * TOLLGATE_BENCH is set (bench/gate.ts sets it).
 */
export function benchReferenceRoute(): Response {
  if (!getConfig().benchRoutes) {
    return problemResponse(new TollgateError("ERR_NOT_FOUND", { detail: "Not found." }));
  }
  return Response.json(
    {
      subject: "bench@clients",
      kind: "machine",
      client_id: "bench",
      customer_id: "00000000-0000-0000-0000-000000000000",
      scopes: ["get:widgets"],
    },
    { headers: { "cache-control": "no-store" } },
  );
}
