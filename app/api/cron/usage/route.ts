import { randomUUID, timingSafeEqual } from "node:crypto";
import { getConfig } from "@/lib/config";
import { problemResponse } from "@/lib/api/problems";
import { withLogContext } from "@/lib/log";
import { runUsageReport } from "@/lib/metering/reporter";

export const dynamic = "force-dynamic";
// Vercel's limit on every plan with Fluid compute; the run stops starting batches 10 s before it.
export const maxDuration = 300;
const BUDGET_MS = 290_000;

// GET /api/cron/usage – report what the API's own runs left (Vercel Cron: daily on Hobby; vercel.json)
export async function GET(request: Request) {
  const requestId = randomUUID();
  const secret = getConfig().cronSecret;
  if (!secret) {
    return problemResponse("service_unavailable", {
      detail: "Set CRON_SECRET to enable the usage cron.",
      requestId,
    });
  }
  if (!bearerMatches(request.headers.get("authorization"), secret)) {
    return problemResponse("invalid_token", {
      detail: "Send Authorization: Bearer <CRON_SECRET>.",
      headers: { "www-authenticate": 'Bearer realm="cron"' },
      requestId,
    });
  }
  const run = await withLogContext({ requestId }, () => runUsageReport(BUDGET_MS));
  return Response.json(run, { headers: { "cache-control": "no-store", "x-request-id": requestId } });
}

function bearerMatches(header: string | null, secret: string): boolean {
  const given = Buffer.from(header ?? "");
  const expected = Buffer.from(`Bearer ${secret}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
