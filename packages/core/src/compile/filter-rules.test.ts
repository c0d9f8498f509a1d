// Save-time checks of a condition's rules (docs/filters.md): a field typed without {{ }} reads
// nothing of the record and is refused. Session 28's audit; failed before the fix.
import { describe, expect, it } from "vitest";
import { issuesOf, source, target, variant } from "../../test/compile-helpers";
import type { ConditionRule, SchemeDefinition } from "../scheme";

function withFilter(rules: Partial<ConditionRule>[]): SchemeDefinition {
  return variant((d) => {
    d.nodes.push({ id: "filter", type: "filter", position: { x: 200, y: 0 }, config: { match: "all", rules: rules.map((r) => ({ field: "", op: "eq", value: "", ...r })) } });
    d.edges = [
      { id: "e1", source: source(d).id, target: "filter" },
      { id: "e2", source: "filter", target: target(d).id },
    ];
  });
}

describe("filter rules", () => {
  it("flags a field written without {{ }} (a constant: the rule holds for every record or for none)", () => {
    const issues = issuesOf(withFilter([{ field: "type_name", op: "eq", value: "天猫" }]));
    expect(issues.filter((i) => i.path.join(".").endsWith("rules.0.field"))).not.toEqual([]);
  });
});
