import { problemResponse } from "@/lib/api/problems";

/** A body longer than the limit, refused before (Content-Length) or while (chunked) it is read. */
export class BodyTooLargeError extends Error {
  readonly code = "ERR_BODY_TOO_LARGE";
  constructor(readonly limit: number) {
    super(`The request body is larger than ${limit} bytes.`);
    this.name = "BodyTooLargeError";
  }
}

/**
 * The body as text, reading at most `maxBytes`: a declared Content-Length over the limit is refused
 * before a byte is read, and a chunked body is cut off as soon as it passes it, so an endpoint that
 * must see the raw bytes (to check a signature) never buffers an attacker's gigabyte.
 *
 * @throws {BodyTooLargeError}
 */
export async function readBodyWithLimit(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyTooLargeError(maxBytes);
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new BodyTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The raw body and `Stripe-Signature` of a signed delivery (a webhook, a thin event), or the problem
 * to answer: a missing signature (400) and an oversized body (413) are refused before the body is
 * read, so nothing unsigned or huge costs more than its headers.
 */
export async function readSignedDelivery(
  request: Request,
  { maxBytes, instance, requestId }: { maxBytes: number; instance: string; requestId: string },
): Promise<{ body: string; signature: string } | Response> {
  const signature = request.headers.get("stripe-signature");
  if (!signature) {
    return problemResponse("invalid_request", {
      detail: "Missing Stripe-Signature header.",
      instance,
      requestId,
    });
  }
  try {
    // The signature covers the exact bytes sent: the raw text, never parsed-and-reserialised JSON.
    return { body: await readBodyWithLimit(request, maxBytes), signature };
  } catch (error) {
    if (!(error instanceof BodyTooLargeError)) throw error;
    return problemResponse("payload_too_large", { detail: error.message, instance, requestId });
  }
}

/** The outcome of applying a signed delivery, as `receiveStripeWebhook` and the thin-event receiver return it. */
export type DeliveryResult<Receipt> =
  { status: 200; receipt: Receipt } | { status: 400; detail: string } | { status: 500; detail: string };

/** The answer to a signed delivery: its receipt, or a problem (500 makes Stripe send it again). */
export function deliveryResponse<Receipt>(
  result: DeliveryResult<Receipt>,
  { instance, requestId }: { instance: string; requestId: string },
): Response {
  switch (result.status) {
    case 200:
      return Response.json(result.receipt, {
        headers: { "cache-control": "no-store", "x-request-id": requestId },
      });
    case 400:
      return problemResponse("invalid_request", { detail: result.detail, instance, requestId });
    case 500:
      return problemResponse("internal_error", { detail: result.detail, instance, requestId });
  }
}
