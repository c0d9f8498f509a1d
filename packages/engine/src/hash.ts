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
  const subject = errors.length > 0 ? { payload, errors } : payload;
  return stagingHash("sha256", stableStringify(subject));
}
