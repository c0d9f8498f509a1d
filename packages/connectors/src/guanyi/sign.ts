// The 管易云 signature (shared/protocols/guanyi.md § Signature): MD5 over secret + compact JSON +
// secret. Key order and value types are part of what is signed, so the body must be sent with
// exactly the serialization signed here.
import { createHash } from "node:crypto";

/**
 * Signs a request body: `MD5(secret + JSON.stringify(fields) + secret)`, 32 upper-case hex.
 * A `sign` key already in `fields` is left out, as the server does before verifying.
 */
export function sign(fields: Record<string, unknown>, secret: string): string {
  const { sign: _previous, ...unsigned } = fields;
  return createHash("md5")
    .update(secret + JSON.stringify(unsigned) + secret, "utf8")
    .digest("hex")
    .toUpperCase();
}
