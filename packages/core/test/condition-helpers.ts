// Filter-node rules and verdicts for the condition's tests (condition*.test.ts): a rule as the
// compiler plans it, from a template, an operator and a value as typed.
import { conditionListItems, recordPasses } from "../src/condition";
import type { ConditionRulePlan, FilterPlan } from "../src/compile/plan";
import type { ConditionOp } from "../src/scheme";
import { parseTemplate } from "../src/template/parse";

export const vars = { CURRENT_TIME: new Date("2026-12-01T00:00:00Z"), LAST_SYNC_TIME: null, PAGINATION_PAGE_SIZE: 50, PAGINATION_START_PAGE: 1 };

export function rule(field: string, op: ConditionOp, value = ""): ConditionRulePlan {
  const parsed = parseTemplate(field);
  if (!parsed.ok) throw new Error(`bad template ${field}`);
  return { field: parsed.template, op, value: value.trim(), values: conditionListItems(value) };
}

/** Whether a filter of `rules` (all, unless told) keeps the record, in Asia/Shanghai. */
export const passes = (record: unknown, rules: ConditionRulePlan[], match: FilterPlan["match"] = "all") =>
  recordPasses({ nodeId: "f", match, rules }, record, vars, "Asia/Shanghai");
