/**
 * `npm run reconcile:usage [-- --allow-in-flight] [-- --json]`: compares, per customer, meter and UTC
 * day of the current and previous billing period, the units served (usage_counters) with Stripe's
 * meter event summaries; prints a table and exits 1 on any difference. With `--allow-in-flight`, a
 * shortfall that the usage still to be reported explains is not a failure. Reads only.
 */
import { createStripeClient } from "@/lib/billing/stripe";
import { loadConfig } from "@/lib/config/schema";
import { createPrismaClient } from "@/lib/db/client";
import { formatReconciliation, reconcileUsage, reconciliationExitCode } from "@/lib/metering/reconcile-usage";

const config = loadConfig(process.env);
const db = createPrismaClient(config.db);
let exitCode: number;
try {
  const result = await reconcileUsage(db, createStripeClient(config.stripe));
  if (process.argv.includes("--json")) console.log(JSON.stringify(result, null, 2));
  else {
    console.log(formatReconciliation(result.rows));
    console.log(
      `\n${result.rows.length} days, ${result.mismatches} mismatched, ${result.inFlight} with usage still to be reported`,
    );
  }
  exitCode = reconciliationExitCode(result, process.argv.includes("--allow-in-flight"));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  exitCode = 2;
} finally {
  await db.$disconnect();
}
process.exit(exitCode);
