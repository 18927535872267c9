import { randomUUID } from "node:crypto";
import { refuseUnauthorizedCron } from "@/lib/cron/authorize-cron";
import { withLogContext } from "@/lib/log";
import { runUsageReport } from "@/lib/metering/reporter";

export const dynamic = "force-dynamic";
// Vercel's limit on every plan with Fluid compute; the run stops starting batches 10 s before it.
export const maxDuration = 300;
const BUDGET_MS = 290_000;

// GET /api/cron/usage – report what the API's own runs left (Vercel Cron: daily on Hobby; vercel.json)
export async function GET(request: Request) {
  const requestId = randomUUID();
  const refused = refuseUnauthorizedCron(request, requestId);
  if (refused) return refused;
  const run = await withLogContext({ requestId }, () => runUsageReport(BUDGET_MS));
  return Response.json(run, { headers: { "cache-control": "no-store", "x-request-id": requestId } });
}
