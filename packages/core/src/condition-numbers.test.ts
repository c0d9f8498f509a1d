// How the filter node's condition compares values that read as numbers (docs/filters.md): exactly
// (19-digit order numbers that differ in the last digit differ), and only plain decimals (an item
// code such as 1E3 is text). Session 28's audit; failed before the fix.
import { describe, expect, it } from "vitest";
import { passes, rule } from "../test/condition-helpers";



describe("condition: long digit strings (platform order numbers, 19-digit ids)", () => {
  it("does not take two different 19-digit order numbers for the same value", () => {
    // 天猫 tids are 18-19 digits; both read as "decimal numbers" and become the same double.
    const order = { platform_code: "3912345678901234567" };
    expect(passes(order, [rule("{{platform_code}}", "eq", "3912345678901234568")])).toBe(false);
    // 不属于 a blocklist of one order leaves out its neighbour too.
    expect(passes(order, [rule("{{platform_code}}", "notIn", "3912345678901234566")])).toBe(true);
  });
});

describe("condition: codes in exponent form", () => {
  it("does not read an item code such as 1E3 as the number 1000 (docs: texts that read as decimal numbers)", () => {
    expect(passes({ item_code: "1E3" }, [rule("{{item_code}}", "eq", "1000")])).toBe(false);
    expect(passes({ item_code: "2E10" }, [rule("{{item_code}}", "in", "20000000000")])).toBe(false);
  });
});

describe("condition: codes with leading zeros", () => {
  it("compares 007 as text: it equals 007, not 7; plain numbers still compare as numbers", () => {
    expect(passes({ code: "007" }, [rule("{{code}}", "eq", "007")])).toBe(true);
    expect(passes({ code: "007" }, [rule("{{code}}", "eq", "7")])).toBe(false);
    expect(passes({ qty: "0.50" }, [rule("{{qty}}", "eq", ".5")])).toBe(false); // ".5" is not a plain decimal: text
    expect(passes({ qty: "0.50" }, [rule("{{qty}}", "eq", "0.5")])).toBe(true);
    expect(passes({ qty: -0 }, [rule("{{qty}}", "eq", "0")])).toBe(true);
    expect(passes({ amount: "12345678901234567890.5" }, [rule("{{amount}}", "gt", "12345678901234567890.25")])).toBe(true);
    expect(passes({ amount: -3 }, [rule("{{amount}}", "lt", "-2.5")])).toBe(true);
  });
});
