import { describe, expect, it } from "vitest";
import { passes, rule } from "../test/condition-helpers";




describe("recordPasses", () => {
  it("compares numbers as numbers, also when the source sends them as text", () => {
    expect(passes({ status: "2" }, [rule("{{status}}", "eq", "2")])).toBe(true);
    expect(passes({ status: 2 }, [rule("{{status}}", "eq", "2.0")])).toBe(true);
    expect(passes({ qty: "10" }, [rule("{{qty}}", "gt", "9")])).toBe(true);
    expect(passes({ qty: "10" }, [rule("{{qty}}", "lte", "9")])).toBe(false);
    expect(passes({ qty: 3 }, [rule("{{qty}}", "gte", "3")])).toBe(true);
  });

  it("reads booleans as true / 1 / 是 and false / 0 / 否", () => {
    for (const word of ["false", "0", "否", "NO"]) expect(passes({ del: false }, [rule("{{del}}", "eq", word)])).toBe(true);
    expect(passes({ del: true }, [rule("{{del}}", "eq", "false")])).toBe(false);
    expect(passes({ del: true }, [rule("{{del}}", "ne", "false")])).toBe(true);
    expect(passes({ del: true }, [rule("{{del}}", "eq", "是")])).toBe(true);
  });

  it("treats a missing value as empty: equal to nothing, ordered with nothing, not equal to everything", () => {
    for (const record of [{}, { note: null }, { note: "  " }, { note: [] }]) {
      expect(passes(record, [rule("{{note}}", "empty")])).toBe(true);
      expect(passes(record, [rule("{{note}}", "notEmpty")])).toBe(false);
      expect(passes(record, [rule("{{note}}", "eq", "x")])).toBe(false);
      expect(passes(record, [rule("{{note}}", "ne", "x")])).toBe(true);
      expect(passes(record, [rule("{{note}}", "lt", "x")])).toBe(false);
      expect(passes(record, [rule("{{note}}", "contains", "x")])).toBe(false);
    }
    expect(passes({ note: "x" }, [rule("{{note}}", "notEmpty")])).toBe(true);
    expect(passes({ note: 0 }, [rule("{{note}}", "empty")])).toBe(false);
  });

  it("matches one of a list (half- and full-width commas, lines) and none of it", () => {
    const oneOf = rule("{{shop_code}}", "in", "TM01, JD02，PDD03\nDY04");
    expect(["TM01", "JD02", "PDD03", "DY04"].map((c) => passes({ shop_code: c }, [oneOf]))).toEqual([true, true, true, true]);
    expect(passes({ shop_code: "TM011" }, [oneOf])).toBe(false);
    expect(passes({ shop_code: "TM011" }, [rule("{{shop_code}}", "notIn", "TM01,JD02")])).toBe(true);
    expect(passes({ tags: ["a", "b"] }, [rule("{{tags}}", "in", "b,c")])).toBe(true);
    expect(passes({ tags: ["a", "b"] }, [rule("{{tags}}", "contains", "a")])).toBe(true);
  });

  it("contains by text, trimmed, and orders datetimes written alike in time", () => {
    expect(passes({ name: "杭州旗舰店" }, [rule("{{name}}", "contains", " 旗舰 ")])).toBe(true);
    expect(passes({ name: "杭州旗舰店" }, [rule("{{name}}", "notContains", "专卖")])).toBe(true);
    expect(passes({ t: "2026-12-01 08:00:00" }, [rule("{{t}}", "gte", "2026-12-01")])).toBe(true);
    expect(passes({ t: "2026-11-30 23:59:59" }, [rule("{{t}}", "gte", "2026-12-01")])).toBe(false);
  });

  it("needs every rule with all, one with any; no rules keeps everything", () => {
    const rules = [rule("{{a}}", "eq", "1"), rule("{{b}}", "eq", "1")];
    expect(passes({ a: 1, b: 2 }, rules, "all")).toBe(false);
    expect(passes({ a: 1, b: 2 }, rules, "any")).toBe(true);
    expect(passes({ a: 2, b: 2 }, rules, "any")).toBe(false);
    expect(passes({}, [], "all")).toBe(true);
    expect(passes({}, [], "any")).toBe(true);
  });

  it("reads nested paths and template filters", () => {
    expect(passes({ delivery_statusInfo: { delivery: 2 } }, [rule("{{delivery_statusInfo.delivery}}", "eq", "2")])).toBe(true);
    expect(passes({ code: " ab " }, [rule("{{code | trim | upper}}", "eq", "AB")])).toBe(true);
  });
});
