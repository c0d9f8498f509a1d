// A filter rule's field may use value maps (session 29): the record is judged by the mapped value;
// a value the map cannot map (not in it, no default; or the map is gone) makes the record
// unjudgeable, an error naming the map, never a guess either way. Rules are judged in order and stop
// once the verdict is known.
import { describe, expect, it } from "vitest";
import { rule, vars } from "../test/condition-helpers";
import type { ConditionRulePlan, FilterPlan } from "./compile/plan";
import { judgeRecord, recordPasses } from "./condition";
import type { ValueMapData } from "./template/types";


const filter = (match: "all" | "any", ...rules: ConditionRulePlan[]): FilterPlan => ({ nodeId: "f", match, rules });

const groups: ValueMapData = { entries: new Map([["天猫", "线上"], ["京东", "线上"], ["门店", "线下"]]) };
const maps = new Map([["平台分组", groups]]);
const online = rule("{{type_name | map('平台分组')}}", "eq", "线上");

describe("value maps in a filter rule", () => {
  it("judges the record by the mapped value", () => {
    expect(judgeRecord(filter("all", online), { type_name: "天猫" }, vars, "Asia/Shanghai", maps)).toEqual({ passes: true });
    expect(judgeRecord(filter("all", online), { type_name: "门店" }, vars, "Asia/Shanghai", maps)).toEqual({ passes: false });
    expect(judgeRecord(filter("all", rule("{{type_name | map('平台分组')}}", "in", "线上, 线下")), { type_name: "门店" }, vars, "Asia/Shanghai", maps)).toEqual({ passes: true });
  });

  it("a value the map cannot map makes the record unjudgeable, naming the map and the value", () => {
    const judged = judgeRecord(filter("all", online), { type_name: "拼多多" }, vars, "Asia/Shanghai", maps);
    expect(judged.passes).toBe(false);
    expect(judged.error).toEqual({
      field: "过滤条件 1",
      message: expect.stringContaining("值映射 “平台分组” 中没有源值 “拼多多”"),
      messageEn: expect.stringContaining(`the value map "平台分组" has no source value "拼多多"`),
    });
    // A map that is gone (deleted since the scheme was saved, or not loaded).
    expect(judgeRecord(filter("all", online), { type_name: "天猫" }, vars, "Asia/Shanghai", new Map()).error?.message).toContain("值映射 “平台分组” 不存在");
    // Reconciliation expects such a record (it is not left out); a run fails it.
    expect(recordPasses(filter("all", online), { type_name: "拼多多" }, vars, "Asia/Shanghai", maps)).toBe(true);
  });

  it("a default maps every other value", () => {
    const withDefault = new Map<string, ValueMapData>([["平台分组", { ...groups, default: "其他" }]]);
    expect(judgeRecord(filter("all", online), { type_name: "拼多多" }, vars, "Asia/Shanghai", withDefault)).toEqual({ passes: false });
  });

  it("stops once the verdict is known: a later rule's map is not needed then", () => {
    const isShop = (v: string) => rule("{{code}}", "eq", v);
    // 且: the first rule fails, so the record is left out whatever the map says.
    expect(judgeRecord(filter("all", isShop("B"), online), { code: "A", type_name: "拼多多" }, vars, "Asia/Shanghai", maps)).toEqual({ passes: false });
    // 或: the first rule holds, so the record is kept.
    expect(judgeRecord(filter("any", isShop("A"), online), { code: "A", type_name: "拼多多" }, vars, "Asia/Shanghai", maps)).toEqual({ passes: true });
    // Otherwise the map is needed, and its miss is the rule's (numbered in order).
    expect(judgeRecord(filter("any", isShop("B"), online), { code: "A", type_name: "拼多多" }, vars, "Asia/Shanghai", maps).error?.field).toBe("过滤条件 2");
  });
});
