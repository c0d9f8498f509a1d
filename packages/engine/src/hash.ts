import { stableStringify } from "@qiao/core";
import { stagingHash } from "@qiao/db";

export interface MappingError {
  field: string;
  message: string;
  messageEn: string;
}

/**
 * What decides whether a record must be written: the hash of its mapped payload (key order does
 * not matter). A payload with mapping errors hashes differently from any clean one, so fixing the
 * mapping makes the record pending again.
 */
export function payloadHash(payload: Record<string, unknown>, errors: readonly MappingError[] = []): string {
  return hashedPayload(payload, errors).hash;
}

/**
 * payloadHash, and the payload's JSON text it hashed when the payload has no mapping errors (keys
 * sorted; what is sent is the same JSON value): the durable mark stores the payload from it instead
 * of stringifying it again (issue #16).
 */
export function hashedPayload(payload: Record<string, unknown>, errors: readonly MappingError[] = []): { hash: string; text: string | undefined } {
  if (errors.length > 0) return { hash: stagingHash("sha256", stableStringify({ payload, errors })), text: undefined };
  const text = stableStringify(payload);
  return { hash: stagingHash("sha256", text), text };
}
