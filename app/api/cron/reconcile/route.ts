import { randomUUID } from "node:crypto";
import { getStripe } from "@/lib/billing/stripe";
import { refuseUnauthorizedCron } from "@/lib/cron/authorize-cron";
import { getDb } from "@/lib/db";
import { withLogContext } from "@/lib/log";
import { logReconciliation, reconcileUsage } from "@/lib/metering/reconcile-usage";

export const dynamic = "force-dynamic";
export const maxDuration = 300;

// GET /api/cron/reconcile – compare served units with Stripe's daily meter totals (Vercel Cron: daily)
export async function GET(request: Request) {
  const requestId = randomUUID();
  const refused = refuseUnauthorizedCron(request, requestId);
  if (refused) return refused;
  const result = await withLogContext({ requestId }, async () => {
    const reconciliation = await reconcileUsage(getDb(), getStripe());
    logReconciliation(reconciliation);
    return reconciliation;
  });
  // Usage not yet reported is expected here (the reporter sends it soon); only mismatches alert.
  return Response.json(
    {
      matched: result.mismatches === 0,
      days: result.rows.length,
      mismatches: result.mismatches,
      inFlight: result.inFlight,
      differences: result.rows.filter((row) => row.status !== "ok"),
    },
    { headers: { "cache-control": "no-store", "x-request-id": requestId } },
  );
}
