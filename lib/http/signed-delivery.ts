import { randomUUID } from "node:crypto";
import { problemResponse, TollgateError } from "@/lib/errors";
import { withLogContext } from "@/lib/log";
import { readBodyWithLimit } from "./read-body";

/** A signed delivery as received: the exact bytes, their `Stripe-Signature`, and the secret to check it with. */
export interface SignedDelivery {
  body: string;
  signature: string;
  secret: string;
}

/** How a route takes signed deliveries. */
export interface SignedDeliveryOptions {
  /** Larger bodies are refused (413), before reading when their Content-Length says so. */
  maxBytes: number;
  /** The signing secret; throws ERR_NOT_CONFIGURED while it is not set. */
  secret: () => string;
}

/**
 * Answers a signed delivery (a Stripe webhook, a thin event): with no secret configured (503), no
 * signature (400) or a body over `maxBytes` (413) it is refused before the body is read, so nothing
 * unsigned or huge costs more than its headers. Else `receive` checks the signature against the raw
 * body and answers with its receipt, or throws the TollgateError to answer with (a 500 makes Stripe
 * send the delivery again).
 *
 * @example export const POST = (request: Request) => answerSignedDelivery(request, options, receiveStripeWebhook);
 */
export async function answerSignedDelivery<Receipt>(
  request: Request,
  options: SignedDeliveryOptions,
  receive: (delivery: SignedDelivery) => Promise<Receipt>,
): Promise<Response> {
  const requestId = randomUUID();
  const instance = new URL(request.url).pathname;
  try {
    const secret = options.secret();
    const signature = request.headers.get("stripe-signature");
    if (!signature) throw new TollgateError("ERR_SIGNATURE_MISSING");
    // The signature covers the exact bytes sent: the raw text, never parsed-and-reserialised JSON.
    const body = await readBodyWithLimit(request, options.maxBytes);
    const receipt = await withLogContext({ requestId }, () => receive({ body, signature, secret }));
    return Response.json(receipt, { headers: { "cache-control": "no-store", "x-request-id": requestId } });
  } catch (error) {
    if (!(error instanceof TollgateError)) throw error;
    return problemResponse(error, { requestId, instance });
  }
}
