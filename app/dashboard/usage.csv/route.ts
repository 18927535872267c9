import { requireAccount } from "@/lib/auth/session";
import { getCustomerAccess } from "@/lib/billing/access-cache";
import { getDb } from "@/lib/db";
import { getUsageCsv, isCsvPeriod } from "@/lib/metering/usage-csv";
import { requirePermission } from "@/lib/teams/actor";
import { PermissionDeniedError } from "@/lib/teams/errors";

// GET /dashboard/usage.csv?period=current|previous – the active team's usage per day and key, as CSV
export async function GET(request: Request): Promise<Response> {
  // Signed out: requireAccount redirects to sign-in (proxy.ts already did for /dashboard/**).
  const account = await requireAccount();
  try {
    requirePermission(account, "usage:view");
  } catch (error) {
    if (error instanceof PermissionDeniedError) return plainText(403, error.message);
    throw error;
  }
  const period = new URL(request.url).searchParams.get("period") ?? "current";
  if (!isCsvPeriod(period)) return plainText(400, "period must be current or previous.");
  const db = getDb();
  const csv = await getUsageCsv(
    db,
    account.customerId,
    await getCustomerAccess(db, account.customerId),
    period,
  );
  return new Response(csv.body, {
    headers: {
      "content-type": "text/csv; charset=utf-8; header=present",
      "content-disposition": `attachment; filename="${csv.filename}"`,
      "cache-control": "private, no-store",
    },
  });
}

function plainText(status: number, message: string): Response {
  return new Response(`${message}\n`, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}
