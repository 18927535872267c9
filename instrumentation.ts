// Runs once when a Next.js server starts (https://nextjs.org/docs/app/guides/instrumentation).
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // An incomplete configuration stops the server here, naming each missing variable: when this hook
  // throws, Next.js logs it and keeps serving, answering every request with 500.
  const { ConfigError, getConfig } = await import("@/lib/config");
  try {
    getConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Tollgate cannot start. ${error.message}`);
    process.exit(1);
  }
  // Open the database now, so the first request does not wait for embedded PGlite to boot.
  const { getDb } = await import("@/lib/db");
  await getDb().$ready;
  // Long-running servers report usage to Stripe themselves; on Vercel the cron route does.
  const { startReporterLoop } = await import("@/lib/metering/reporter-loop");
  startReporterLoop();
}
