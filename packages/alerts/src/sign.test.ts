import { createHmac } from "node:crypto";
import { describe, expect, test } from "vitest";
import { dingtalkSign, signedDingtalkUrl, webhookSignature } from "./sign";

describe("钉钉 加签", () => {
  test("matches a vector computed with openssl (printf '1700000000000\\nSECtest' | openssl dgst -sha256 -hmac SECtest -binary | base64)", () => {
    expect(dingtalkSign("SECtest", 1700000000000)).toBe("aZLLrriXgn05YbwaGR7knYsLeJADjr9NwLaNNKpxh4g=");
  });

  test("matches the documented recipe computed independently, and is URL-encoded in the query", () => {
    const secret = "SEC0123456789abcdef";
    const timestamp = 1764806400123;
    const expected = createHmac("sha256", Buffer.from(secret, "utf8")).update(Buffer.from(`${timestamp}\n${secret}`, "utf8")).digest("base64");
    expect(dingtalkSign(secret, timestamp)).toBe(expected);
    const url = signedDingtalkUrl("https://oapi.dingtalk.com/robot/send?access_token=abc", secret, timestamp);
    expect(url.searchParams.get("access_token")).toBe("abc");
    expect(url.searchParams.get("timestamp")).toBe(String(timestamp));
    // base64's + / = travel percent-encoded, as 钉钉's docs ask (urlEncode of the base64 text).
    expect(url.search).toContain(`sign=${encodeURIComponent(expected)}`);
    expect(url.searchParams.get("sign")).toBe(expected);
  });

  test("without a secret the URL is left as it is", () => {
    expect(signedDingtalkUrl("https://oapi.dingtalk.com/robot/send?access_token=abc", undefined, 1).toString()).toBe("https://oapi.dingtalk.com/robot/send?access_token=abc");
  });
});

describe("generic webhook signature", () => {
  test("is HMAC-SHA256 over timestamp.body, hex (vector from openssl)", () => {
    expect(webhookSignature("whsec", 1700000000000, '{"a":1}')).toBe("sha256=e396dba269569843ec61b16bf9a0e70c598b534678cf1863562e0699c7685c8d");
  });

  test("changes with the body and with the timestamp", () => {
    const a = webhookSignature("whsec", 1, "{}");
    expect(webhookSignature("whsec", 2, "{}")).not.toBe(a);
    expect(webhookSignature("whsec", 1, "{ }")).not.toBe(a);
  });
});
