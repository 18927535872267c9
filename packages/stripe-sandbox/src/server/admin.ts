/**
 * `/_sandbox/*`: the sandbox clock and failed payments over HTTP, for the browser tests and people
 * running `npm run dev` (loopback only, no key needed). Tests in the same process call the
 * StripeSandbox methods instead.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { StripeSandbox } from "../create-stripe-sandbox";
import { readBody, sendJson } from "./http";

/** A JSON or form body as plain fields. */
async function readFields(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  if (!text) return {};
  if ((req.headers["content-type"] ?? "").includes("application/json"))
    return JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(text));
}

/** Answers `/_sandbox/*` with the sandbox's own methods. */
export async function handleAdmin(
  sandbox: StripeSandbox,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const route = `${req.method} ${url.pathname}`;
  const body = req.method === "POST" ? await readFields(req) : {};
  switch (route) {
    // GET /_sandbox/clock – the sandbox time and how far it was advanced
    case "GET /_sandbox/clock":
      return sendJson(res, 200, { now: sandbox.now(), offset: sandbox.state.clockOffset });
    // POST /_sandbox/advance – move the clock forward by `seconds` and/or `days`
    case "POST /_sandbox/advance": {
      const seconds = Number(body.seconds ?? 0) + Number(body.days ?? 0) * 86_400;
      if (!Number.isFinite(seconds) || seconds < 0)
        return sendJson(res, 400, { error: "seconds must be a non-negative number" });
      return sendJson(res, 200, await sandbox.advanceClock(seconds));
    }
    // POST /_sandbox/fail_next_payment – the next `count` (default 1) charges fail
    case "POST /_sandbox/fail_next_payment":
      sandbox.failNextPayment(Number(body.count ?? 1));
      return sendJson(res, 200, { fail_next_payments: sandbox.state.failNextPayments });
    default:
      return sendJson(res, 404, { error: `no admin route ${route}` });
  }
}
