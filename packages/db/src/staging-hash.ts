// The hashes a staging row keeps (data_hash, payload_hash, mapped_with and written_hash): 128 bits
// as base64url, 22 characters. Hex made them 32 (md5) and 64 (sha256) characters, ~230 of a staging
// row's ~580 bytes (issue #16, docs/performance.md). Staging compares them only for equality, and
// 128 bits keep a collision as unlikely as md5's always was.
import { hash } from "node:crypto";

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * By char code of a base64 digit: the base64url digit of its top two bits alone. The 22nd digit of
 * a digest's base64 holds the last two bits of byte 16 and the first four of byte 17; of the first
 * 16 bytes alone, it holds those two bits followed by zeros.
 */
const LAST_DIGIT: string[] = [];
for (let i = 0; i < BASE64.length; i++) LAST_DIGIT[BASE64.charCodeAt(i)] = BASE64URL[i & 0x30]!;

/**
 * The first 128 bits of `algorithm`'s digest of `text`, base64url without padding. Migration
 * 20261207100000_staging_short_hashes turns a stored hex digest into exactly this (its first 16
 * bytes), so a record hashed by the code before compares equal to the same record hashed now.
 *
 * Written from the digest's base64 text, not from a Buffer: a Buffer per hash (and its subarray)
 * cost the engine about twice the hash itself, twice per record (issue #16). The first 21 digits of
 * the whole digest's base64 are those of its first 16 bytes; the 22nd keeps its top two bits.
 */
export function stagingHash(algorithm: "md5" | "sha256", text: string): string {
  const digits = hash(algorithm, text, "base64");
  let head = digits.slice(0, 21);
  if (head.includes("+")) head = head.replaceAll("+", "-");
  if (head.includes("/")) head = head.replaceAll("/", "_");
  return head + LAST_DIGIT[digits.charCodeAt(21)]!;
}
