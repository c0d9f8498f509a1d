// Session 36 (audit of trust and bad input; failing before its fix): scrub matched a value only as it
// was, so a server or proxy echoing the request quoted a secret URL-encoded, escaped inside a JSON
// string, or in another letter case (a hex digest, a session id), and it went through.
import { describe, expect, it } from "vitest";
import { scrub, SCRUB_FORMS_MIN_LENGTH } from "./scrub";

const secret = "p@ss/wörd+Key 7&\"x\\y";
const hex = "9C1E0D7A2B6F4E11A0C3D5B7E9F1A2C4";

describe("scrub", () => {
  it("scrubs a value as it is, longest first", () => {
    expect(scrub(`appkey=ak-55 secret=${secret}`, ["ak-55", secret])).toBe("appkey=*** secret=***");
    expect(scrub("abcdefghij", ["abc", "abcdefghij"])).toBe("***");
  });

  it("scrubs a value URL-encoded, as a query (encodeURIComponent) or a form (URLSearchParams) writes it", () => {
    const encoded = encodeURIComponent(secret);
    const form = new URLSearchParams({ v: secret }).toString().slice(2);
    expect(encoded).not.toBe(secret);
    expect(form).not.toBe(encoded);
    expect(scrub(`GET /x?secret=${encoded}`, [secret])).toBe("GET /x?secret=***");
    expect(scrub(`body: secret=${form}&a=1`, [secret])).toBe("body: secret=***&a=1");
    // Percent-escapes in lower case are the same bytes.
    expect(scrub(`q=${encoded.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())}`, [secret])).toBe("q=***");
  });

  it("scrubs a value escaped inside a JSON string, as JSON.stringify writes it, with / or non-ASCII escaped too", () => {
    const echoed = JSON.stringify({ message: `bad secret ${secret}` });
    expect(echoed).not.toContain(secret);
    expect(scrub(echoed, [secret])).toBe(JSON.stringify({ message: "bad secret ***" }));
    const inner = JSON.stringify(secret).slice(1, -1);
    const php = inner.replaceAll("/", "\\/").replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
    expect(php).toContain("\\u00f6");
    expect(scrub(`{"error":"${php}"}`, [secret])).toBe('{"error":"***"}');
  });

  it(`scrubs a value of ${SCRUB_FORMS_MIN_LENGTH} characters or more in any letter case`, () => {
    expect(scrub(`sign=${hex.toLowerCase()} session=${hex}`, [hex])).toBe("sign=*** session=***");
    expect(scrub(`PASSWORD ${secret.toUpperCase()}`, [secret])).toBe("PASSWORD ***");
  });

  it(`scrubs a value shorter than ${SCRUB_FORMS_MIN_LENGTH} characters as it is only (other forms would match ordinary words)`, () => {
    expect(scrub("Shop shop SHOP", ["shop"])).toBe("Shop *** SHOP");
    expect(scrub("a b a%20b", ["a b"])).toBe("*** a%20b");
  });

  it("takes a value with a lone surrogate (no URL-encoded form) and an empty value", () => {
    const lone = "abc\ud800defghi";
    expect(scrub(`x ${lone} ${JSON.stringify(lone)}`, [lone, ""])).toBe('x *** "***"');
  });

  it("scrubs each call with its own values (the patterns kept per value set are not mixed up)", () => {
    const text = "first-secret-1 first-secret-2 a b";
    expect(scrub(text, ["first-secret-1"])).toBe("*** first-secret-2 a b");
    expect(scrub(text, ["first-secret-2"])).toBe("first-secret-1 *** a b");
    // The same values split otherwise are another set.
    expect(scrub(text, ["a", "b"])).toBe("first-secret-1 first-secret-2 *** ***");
    expect(scrub(text, ["a b"])).toBe("first-secret-1 first-secret-2 ***");
    expect(scrub(text, ["first-secret-1"])).toBe("*** first-secret-2 a b");
  });
});
