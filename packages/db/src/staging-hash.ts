// The hashes a staging row keeps (data_hash, payload_hash, mapped_with and written_hash): 128 bits
// as base64url, 22 characters. Hex made them 32 (md5) and 64 (sha256) characters, ~230 of a staging
// row's ~580 bytes (issue #16, docs/performance.md). Staging compares them only for equality, and
// 128 bits keep a collision as unlikely as md5's always was.
import { hash } from "node:crypto";

/**
 * The first 128 bits of `algorithm`'s digest of `text`, base64url without padding. Migration
 * 20261207100000_staging_short_hashes turns a stored hex digest into exactly this (its first 16
 * bytes), so a record hashed by the code before compares equal to the same record hashed now.
 */
export function stagingHash(algorithm: "md5" | "sha256", text: string): string {
  // crypto.hash (one shot): a third of createHash's cost for a text this small.
  return hash(algorithm, text, "buffer").subarray(0, 16).toString("base64url");
}
