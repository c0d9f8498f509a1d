import { describe, expect, it } from "vitest";
import { guanyi } from "./index";

// The official example of shared/protocols/guanyi.md § Signature.
const SECRET = "7d3330562019420da7f3098aa630556b";
const FIELDS = {
  appkey: "112194",
  sessionkey: "754a424bb6874a1fb8a7371f05e83974",
  method: "gy.erp.shop.get",
  page_no: "1",
  page_size: "10",
  code: "gsh_test",
};

describe("guanyi.sign", () => {
  it("reproduces the official example", () => {
    expect(guanyi.sign(FIELDS, SECRET)).toBe("EB50E390ED2C1B17AB817DDDA92BA789");
  });

  it("leaves a sign already in the fields out", () => {
    expect(guanyi.sign({ sign: "OLD", ...FIELDS }, SECRET)).toBe("EB50E390ED2C1B17AB817DDDA92BA789");
  });

  it("signs key order and value types", () => {
    const { code, ...rest } = FIELDS;
    expect(guanyi.sign({ code, ...rest }, SECRET)).not.toBe("EB50E390ED2C1B17AB817DDDA92BA789");
    expect(guanyi.sign({ ...FIELDS, page_no: 1 }, SECRET)).not.toBe("EB50E390ED2C1B17AB817DDDA92BA789");
  });

  it("signs non-ASCII characters unescaped", () => {
    // `printf 'k{"name":"店铺"}k' | md5sum` (UTF-8), computed outside Node.
    expect(guanyi.sign({ name: "店铺" }, "k")).toBe("3B7601B00F47C3F7F72885BBAB9730A4");
  });
});
