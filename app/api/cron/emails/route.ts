import { randomUUID } from "node:crypto";
import { refuseUnauthorizedCron } from "@/lib/cron/authorize-cron";
import { runEmailJobs } from "@/lib/email/email-jobs";
import { withLogContext } from "@/lib/log";

export const dynamic = "force-dynamic";
export const maxDuration = 300;

// GET /api/cron/emails – usage alerts, expiring-key notices and retries of failed sends (Vercel Cron: daily)
export async function GET(request: Request) {
  const requestId = randomUUID();
  const refused = refuseUnauthorizedCron(request, requestId);
  if (refused) return refused;
  const run = await withLogContext({ requestId }, () => runEmailJobs());
  return Response.json(run, { headers: { "cache-control": "no-store", "x-request-id": requestId } });
}
