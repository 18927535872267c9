import { getConfig } from "@/lib/config";
import { checkDatabase, getDb } from "@/lib/db";

export const dynamic = "force-dynamic";

// GET /__health – liveness and database reachability; no auth, never cached
export async function GET() {
  const db = await checkDatabase(getDb(), getConfig().dbHealthTimeoutMs);
  return Response.json(
    { status: db === "ok" ? "ok" : "unavailable", db },
    { status: db === "ok" ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
}
