import { randomUUID } from "node:crypto";
import { getStripe } from "@/lib/billing/stripe";
import { refuseUnauthorizedCron } from "@/lib/cron/authorize-cron";
import { getDb } from "@/lib/db";
import { log, withLogContext } from "@/lib/log";
import { reconcileUsage } from "@/lib/metering/reconcile-usage";

export const dynamic = "force-dynamic";
export const maxDuration = 300;

// GET /api/cron/reconcile – compare served units with Stripe's daily meter totals (Vercel Cron: daily)
export async function GET(request: Request) {
  const requestId = randomUUID();
  const refused = refuseUnauthorizedCron(request, requestId);
  if (refused) return refused;
  const result = await withLogContext({ requestId }, async () => {
    const reconciliation = await reconcileUsage(getDb(), getStripe());
    for (const row of reconciliation.rows) {
      if (row.status !== "mismatch") continue;
      // No email in logs: the customer id finds the person.
      const { email: _email, ...fields } = row;
      log.error("metering.usage_mismatch", fields);
    }
    log.info("metering.reconciled", {
      days: reconciliation.rows.length,
      mismatches: reconciliation.mismatches,
      inFlight: reconciliation.inFlight,
    });
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
