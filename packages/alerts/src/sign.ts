// Signatures on outgoing alerts. 钉钉's group robot (加签): sign = urlencode(base64(HMAC-SHA256(
// key = secret, data = timestamp + "\n" + secret))), with `timestamp` (ms) and `sign` as query
// parameters; the robot refuses a timestamp more than an hour off. Our generic webhook: header
// `X-Qiao-Signature: sha256=<hex of HMAC-SHA256(secret, timestamp + "." + body)>` beside
// `X-Qiao-Timestamp` (ms), so a receiver can refuse replays of old bodies.
import { createHmac } from "node:crypto";

/** The 钉钉 `sign` before URL encoding (base64). */
export function dingtalkSign(secret: string, timestamp: number): string {
  return createHmac("sha256", secret).update(`${timestamp}\n${secret}`, "utf8").digest("base64");
}

/** The 钉钉 robot URL with `timestamp` and `sign` added (URLSearchParams encodes the base64 as 钉钉 asks). */
export function signedDingtalkUrl(url: string, secret: string | undefined, timestamp: number): URL {
  const signed = new URL(url);
  if (secret) {
    signed.searchParams.set("timestamp", String(timestamp));
    signed.searchParams.set("sign", dingtalkSign(secret, timestamp));
  }
  return signed;
}

export const SIGNATURE_HEADER = "x-qiao-signature";
export const TIMESTAMP_HEADER = "x-qiao-timestamp";

/** The value of X-Qiao-Signature for `body` sent at `timestamp`. */
export function webhookSignature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex")}`;
}
