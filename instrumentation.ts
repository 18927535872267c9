// Runs once when a Next.js server starts (https://nextjs.org/docs/app/guides/instrumentation).
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // Open the database now, so the first request does not wait for embedded PGlite to boot.
  const { getDb } = await import("@/lib/db");
  await getDb().$ready;
  // Long-running servers report usage to Stripe themselves; on Vercel the cron route does.
  const { startReporterLoop } = await import("@/lib/metering/reporter-loop");
  startReporterLoop();
}
