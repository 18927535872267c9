import "server-only";
import { timingSafeEqual } from "node:crypto";
import { getConfig } from "@/lib/config";
import { problemResponse, TollgateError } from "@/lib/errors";

/**
 * Checks a cron request's `Authorization: Bearer <CRON_SECRET>` (Vercel Cron's convention) in
 * constant time. Returns the answer to refuse it with (503 while CRON_SECRET is unset, 401 otherwise),
 * or null when it may run.
 */
export function refuseUnauthorizedCron(request: Request, requestId: string): Response | null {
  const secret = getConfig().cronSecret;
  if (!secret) {
    const error = new TollgateError("ERR_NOT_CONFIGURED", {
      detail: "Set CRON_SECRET to enable the cron routes.",
    });
    return problemResponse(error, { requestId });
  }
  if (!bearerMatches(request.headers.get("authorization"), secret)) {
    return problemResponse(new TollgateError("ERR_CRON_UNAUTHORIZED"), { requestId, realm: "cron" });
  }
  return null;
}

function bearerMatches(header: string | null, secret: string): boolean {
  const given = Buffer.from(header ?? "");
  const expected = Buffer.from(`Bearer ${secret}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
