import { describe, expect, it } from "vitest";
import { catalog } from "../../test/fake-catalog";
import { errors, issuesOf, source, target, variant, warningsOf } from "../../test/compile-helpers";
import { compileScheme, definitionValueMaps, planValueMaps } from ".";
import type { ConditionRule, SchemeDefinition } from "../scheme";

/** The seed with a filter node between its source and target, holding `rules`. */
function withFilter(rules: Partial<ConditionRule>[], match: "all" | "any" = "all", change?: (d: SchemeDefinition) => void): SchemeDefinition {
  return variant((d) => {
    d.nodes.push({
      id: "filter",
      type: "filter",
      position: { x: 200, y: 0 },
      config: { match, rules: rules.map((r) => ({ field: "", op: "eq", value: "", ...r })) },
    });
    d.edges = [
      { id: "e1", source: source(d).id, target: "filter" },
      { id: "e2", source: "filter", target: target(d).id },
    ];
    change?.(d);
  });
}

describe("compileScheme: filter node", () => {
  it("puts the condition in the plan, list values split and trimmed", () => {
    const r = compileScheme(withFilter([{ field: "{{type_name}}", op: "in", value: "天猫, 京东\n拼多多，" }, { field: "{{note}}", op: "notEmpty" }], "any"), catalog);
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.plan.filter).toMatchObject({ nodeId: "filter", match: "any", rules: [{ op: "in", values: ["天猫", "京东", "拼多多"] }, { op: "notEmpty", values: [] }] });
    expect(r.plan.filter?.rules[0]?.field.source).toBe("{{type_name}}");
  });

  it("leaves the plan without a filter when the scheme has none", () => {
    const r = compileScheme(variant(() => {}), catalog);
    expect(r.ok && r.plan.filter).toBe(undefined);
  });

  it("warns about a filter without rules (everything passes) and still compiles", () => {
    expect(warningsOf(withFilter([]))).toEqual([expect.objectContaining({ nodeId: "filter", message: expect.stringContaining("还没有条件") })]);
  });

  it("refuses a rule without a field, a missing value, an empty list, and lookup; warns of a field the source lacks", () => {
    const all = issuesOf(
        withFilter([
          { field: "", op: "eq", value: "1" },
          { field: "{{nmae}}", op: "eq", value: "x" },
          { field: "{{name}}", op: "gt", value: " " },
          { field: "{{name}}", op: "in", value: " , ," },
          { field: "{{lookup('店铺→客户', code)}}", op: "eq", value: "x" },
        ]),
    );
    const issues = errors(all);
    expect(all.filter((i) => i.severity === "warning")).toEqual([expect.objectContaining({ path: ["nodes", 2, "config", "rules", 1, "field"], message: expect.stringContaining("nmae") })]);
    expect(issues.map((i) => [i.path.slice(3).join("."), i.message])).toEqual([
      ["rules.0.field", expect.stringContaining("没有字段")],
      ["rules.2.value", expect.stringContaining("没有比较的值")],
      ["rules.3.value", expect.stringContaining("要列出值")],
      ["rules.4.field", expect.stringContaining("用了 lookup / erp_lookup")],
    ]);
    expect(issues.every((i) => i.messageEn !== "" && !/[\u4e00-\u9fff]/.test(i.messageEn.replace(/“.*?”|\(.*?\)/g, "")))).toBe(true);
  });

  it("warns of an empty value for equal / not equal (use empty / not empty), and takes none for empty / not empty", () => {
    expect(warningsOf(withFilter([{ field: "{{note}}", op: "eq", value: "" }, { field: "{{note}}", op: "empty" }]))).toEqual([
      expect.objectContaining({ path: ["nodes", 2, "config", "rules", 0, "value"], message: expect.stringContaining("请用“为空”或“不为空”") }),
    ]);
    expect(warningsOf(withFilter([{ field: "{{note}}", op: "notEmpty" }, { field: "{{note}}", op: "ne", value: "x" }]))).toEqual([]);
  });

  it("takes value maps in a rule's field: the plan loads them, a map that does not exist is an error at that rule", () => {
    const grouped = withFilter([{ field: "{{type_name | map('平台分组')}}", op: "eq", value: "线上" }]);
    const r = compileScheme(grouped, { ...catalog, valueMaps: new Set(["平台分组"]) });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(planValueMaps(r.plan)).toEqual(["平台分组"]);
    expect(definitionValueMaps(grouped)).toEqual(["平台分组"]);
    const missing = compileScheme(grouped, { ...catalog, valueMaps: new Set(["仓库对照"]) });
    expect(missing.ok ? [] : errors(missing.issues)).toEqual([
      expect.objectContaining({ path: ["nodes", 2, "config", "rules", 0, "field"], message: expect.stringContaining("值映射 “平台分组” 不存在") }),
    ]);
  });

  it("warns of a value that looks like a date but is not one it can read (it would compare as text)", () => {
    const issues = warningsOf(
      withFilter([
        { field: "{{modify_date}}", op: "lte", value: "2026-02-30" },
        { field: "{{modify_date}}", op: "gt", value: "2026-12-01T08:00:00+08:00" },
        { field: "{{modify_date}}", op: "in", value: "2026-12-01, 2026-13-01" },
        { field: "{{modify_date}}", op: "lt", value: "2026/12/1 8:00" },
        { field: "{{modify_date}}", op: "gte", value: "20261201" },
        { field: "{{modify_date}}", op: "empty" },
      ]),
    );
    expect(issues).toEqual([
      expect.objectContaining({ path: ["nodes", 2, "config", "rules", 0, "value"], message: expect.stringContaining("“2026-02-30” 像日期"), messageEn: expect.stringContaining("it compares as text") }),
      expect.objectContaining({ path: ["nodes", 2, "config", "rules", 1, "value"], message: expect.stringContaining("“2026-12-01T08:00:00+08:00”") }),
      expect.objectContaining({ path: ["nodes", 2, "config", "rules", 2, "value"], message: expect.stringContaining("“2026-13-01”") }),
    ]);
  });

  it("needs source → filter → target: a missing leg or a bypass is an error", () => {
    const missing = errors(issuesOf(withFilter([{ field: "{{name}}", op: "notEmpty" }], "all", (d) => (d.edges = [d.edges[0]!]))));
    expect(missing).toEqual([expect.objectContaining({ message: expect.stringContaining("没有任何连线") })]);
    const leg = errors(issuesOf(withFilter([{ field: "{{name}}", op: "notEmpty" }], "all", (d) => (d.edges[1] = { id: "e2", source: "source", target: "filter" }))));
    expect(leg.map((i) => i.message).join()).toMatch(/过滤节点 “filter” 与目标节点 “target” 之间没有连线|没有任何连线/);
    const bypass = errors(issuesOf(withFilter([{ field: "{{name}}", op: "notEmpty" }], "all", (d) => d.edges.push({ id: "e3", source: "source", target: "target" }))));
    expect(bypass).toEqual([expect.objectContaining({ path: ["edges", 2], message: expect.stringContaining("绕过了过滤节点") })]);
  });

  it("allows one filter node", () => {
    const issues = errors(
      issuesOf(
        withFilter([{ field: "{{name}}", op: "notEmpty" }], "all", (d) => {
          d.nodes.push({ id: "filter2", type: "filter", position: { x: 0, y: 0 }, config: { match: "all", rules: [] } });
          d.edges.push({ id: "e3", source: "filter", target: "filter2" });
        }),
      ),
    );
    expect(issues).toEqual([expect.objectContaining({ nodeId: "filter2", message: expect.stringContaining("只能有一个过滤节点") })]);
  });
});
