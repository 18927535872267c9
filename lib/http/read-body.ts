import { TollgateError } from "@/lib/errors";

/** A body longer than the limit, refused before (Content-Length) or while (chunked) it is read. */
export class BodyTooLargeError extends TollgateError {
  override name = "BodyTooLargeError";
  constructor(readonly limit: number) {
    super("ERR_BODY_TOO_LARGE", { detail: `The request body is larger than ${limit} bytes.` });
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
