// A filter node's rules as the editor edits and shows them, in both catalogs.
import type { ConditionRule } from "@qiao/core";
import { describe, expect, it } from "vitest";
import { translator } from "@/lib/i18n/messages";
import { filterSummary, newRule, plainField, ruleText, withOp } from "./filter-rules";

const zh = translator("zh-CN");
const en = translator("en");
const rule = (op: ConditionRule["op"], value = "", field = "{{type_name}}"): ConditionRule => ({ field, op, value });

describe("filter rules", () => {
  it("change operator keeping what still means something", () => {
    expect(newRule()).toEqual({ field: "", op: "eq", value: "" });
    expect(withOp(rule("eq", "淘宝"), "ne")).toEqual(rule("ne", "淘宝"));
    expect(withOp(rule("eq", "淘宝"), "empty")).toEqual(rule("empty"));
    expect(withOp(rule("in", "淘宝\n天猫"), "in")).toEqual(rule("in", "淘宝\n天猫"));
    expect(withOp(rule("in", "淘宝\n 天猫\n"), "contains")).toEqual(rule("contains", "淘宝, 天猫"));
    expect(withOp(rule("eq", "a, b"), "notIn")).toEqual(rule("notIn", "a, b"));
  });

  it("read a plain source field, and nothing from a template that does more", () => {
    expect(plainField("{{type_name}}")).toBe("type_name");
    expect(plainField(" {{ delivery_statusInfo.delivery }} ")).toBe("delivery_statusInfo.delivery");
    expect(plainField("<<code>>")).toBe("code");
    expect(plainField("{{modify_date | date}}")).toBeUndefined();
    expect(plainField("{{a}}{{b}}")).toBeUndefined();
    expect(plainField("")).toBeUndefined();
  });

  it("read as one line", () => {
    expect(ruleText(rule("eq", " 淘宝 "), zh)).toBe("{{type_name}} 等于 淘宝");
    expect(ruleText(rule("in", "淘宝\n天猫,京东"), zh)).toBe("{{type_name}} 属于 淘宝, 天猫, 京东");
    expect(ruleText(rule("notEmpty", "ignored"), zh)).toBe("{{type_name}} 不为空");
    expect(ruleText(rule("gte", "", ""), en)).toBe("… greater than or equal to ∅");
  });

  it("sum up the condition", () => {
    const rules = [rule("eq", "淘宝"), rule("empty")];
    expect(filterSummary({ match: "all", rules }, zh)).toBe("全部满足 · 2 条条件");
    expect(filterSummary({ match: "any", rules }, zh)).toBe("任一满足 · 2 条条件");
    expect(filterSummary({ match: "all", rules }, en)).toBe("All of 2 rules");
    expect(filterSummary({ match: "any", rules: rules.slice(1) }, en)).toBe("1 rule");
    expect(filterSummary({ match: "all", rules: [] }, zh)).toBe("还没有条件：全部写入");
  });
});
