import "server-only";
import { after } from "next/server";
import { log } from "@/lib/log";

/**
 * Runs `task` once the response has been sent, off the caller's path. Inside a request, through
 * Next's `after`, so the platform keeps the function alive until the task settles (on Vercel a frozen
 * function would otherwise never finish it); elsewhere (scripts, timers, tests) at once, detached. A
 * failure is logged as `<event>_failed` and goes no further.
 */
export function afterResponse(event: string, task: () => Promise<unknown>): void {
  const run = () =>
    task().catch((error: unknown) =>
      log.warn(`${event}_failed`, { error: error instanceof Error ? error.message : String(error) }),
    );
  try {
    after(run);
  } catch {
    // `after` throws outside a request scope; there is no response to wait for.
    void run();
  }
}
