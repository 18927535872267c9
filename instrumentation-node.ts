// The Node.js half of instrumentation.ts: a separate module, so that the Edge build of the hook never
// sees Node-only APIs (process.exit) and warns about them.
import { ConfigError, getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { startReporterLoop } from "@/lib/metering/reporter-loop";

export async function registerNode(): Promise<void> {
  // An incomplete configuration stops the server here, naming each missing variable: when this hook
  // throws, Next.js logs it and keeps serving, answering every request with 500.
  try {
    getConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Tollgate cannot start. ${error.message}`);
    process.exit(1);
  }
  // Open the database now, so the first request does not wait for embedded PGlite to boot.
  await getDb().$ready;
  // Long-running servers report usage to Stripe themselves; on Vercel the cron route does.
  startReporterLoop();
}
