// Request bodies are read here only, against a byte limit: a declared Content-Length above it is
// refused before a byte is read, and a body without one (chunked) is cut off as soon as it passes
// the limit, so an oversized body is never buffered whole.
import { message } from "@qiao/core";
import { ApiError } from "./errors";

export function tooLarge(limit: number): ApiError {
  return new ApiError("payload_too_large", message("api.bodyTooLarge", { limit }));
}

/** Refuses a request whose declared Content-Length is above `limit` (nothing is read). */
export function refuseDeclaredOversize(req: Request, limit: number): void {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge(limit);
}

/** The whole body, at most `limit` bytes; above that the stream is cancelled and 413 thrown. */
export async function readBodyBytes(req: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  refuseDeclaredOversize(req, limit);
  if (!req.body) return new Uint8Array(0);
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
