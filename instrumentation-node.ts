// The Node.js half of instrumentation.ts: a separate module, so that the Edge build of the hook never
// sees Node-only APIs (process.exit) and warns about them.
import { ConfigError, getConfig } from "@/lib/config";
import { getDb } from "@/lib/db";
import { getRedis } from "@/lib/redis";
import { startReporterTimer } from "@/lib/metering/reporter";

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
  // Connect to Redis (when configured) before the first call needs its shared rate limits.
  getRedis();
  // Every instance reports after metered answers; a long-running one also on a timer.
  startReporterTimer();
}
