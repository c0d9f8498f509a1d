import { describe, expect, it } from "vitest";
import { expectedSign, md5Sign, parseOrderedJson, serializeOrderedJson } from "./signature";

// The official example of shared/protocols/guanyi.md § Signature.
const SECRET = "7d3330562019420da7f3098aa630556b";
const JSON_TEXT =
  '{"appkey":"112194","sessionkey":"754a424bb6874a1fb8a7371f05e83974","method":"gy.erp.shop.get","page_no":"1","page_size":"10","code":"gsh_test"}';
const SIGN = "EB50E390ED2C1B17AB817DDDA92BA789";

function objectOf(text: string) {
  const tree = parseOrderedJson(text);
  if (tree.kind !== "object") throw new Error("not an object");
  return tree;
}

describe("guanyi server-side signature", () => {
  it("reproduces the official example", () => {
    expect(md5Sign(SECRET, JSON_TEXT)).toBe(SIGN);
    expect(expectedSign(objectOf(`${JSON_TEXT.slice(0, -1)},"sign":"${SIGN}"}`), SECRET)).toBe(SIGN);
  });

  it("drops sign wherever it stands and ignores whitespace in the body", () => {
    const signFirst = `{ "sign" : "${SIGN}", ${JSON_TEXT.slice(1).replace(/,/g, ", ")}`;
    expect(expectedSign(objectOf(signFirst), SECRET)).toBe(SIGN);
  });

  it("keeps key order (even integer-like keys) and number spelling", () => {
    const text = '{"b":1.0,"1":"中文","a":[true,null,{"z":-2e3}]}';
    expect(serializeOrderedJson(parseOrderedJson(text))).toBe(text);
    expect(serializeOrderedJson(parseOrderedJson('{"s":"\\u4e2d\\/"}'))).toBe('{"s":"中/"}');
  });

  it("signs values with their JSON types", () => {
    const asNumbers = JSON_TEXT.replace('"page_no":"1"', '"page_no":1');
    expect(expectedSign(objectOf(asNumbers), SECRET)).not.toBe(SIGN);
  });

  it("rejects what is not JSON", () => {
    for (const bad of ['{"a":1,}', '{"a":01}', '{"a":"x"} x', "{'a':1}", '{"a":"\u0001"}', ""]) {
      expect(() => parseOrderedJson(bad), bad).toThrow(SyntaxError);
    }
  });
});
