/**
 * `npm run report:usage`: reports unreported usage to Stripe until nothing is left, then exits; the
 * same reporter the API's own runs and the cron route use, through the API STRIPE_METER_EVENTS_API
 * chooses. Safe to kill at any point and run again, or to run beside them: every delta is sent under
 * its own deterministic identifier. It takes no lease, so it also drains what a crashed instance's
 * lease still holds.
 */
import { createStripeClient } from "@/lib/billing/stripe";
import { loadConfig } from "@/lib/config/schema";
import { createPrismaClient } from "@/lib/db/client";
import { reportUsage } from "@/lib/metering/report-usage";

const config = loadConfig(process.env);
const db = createPrismaClient(config.db);
const stripe = createStripeClient(config.stripe);
let exitCode = 0;
try {
  for (let run = 1; ; run++) {
    const summary = await reportUsage(db, stripe, {
      api: config.stripe.meterEventsApi,
      deadline: Date.now() + config.usageReport.budgetSeconds * 1000,
    });
    console.log(JSON.stringify({ run, ...summary }));
    if (summary.failed > 0 && run >= 10) {
      exitCode = 1;
      break;
    }
    if (summary.drained && summary.failed === 0) break;
  }
} finally {
  await db.$disconnect();
}
process.exit(exitCode);
