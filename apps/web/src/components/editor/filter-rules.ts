// A filter node's rules as the editor edits and shows them: a new rule, an operator change, the
// plain field a rule reads, and the text of a rule and of the whole condition.
import { conditionListItems, LIST_CONDITION_OPS, UNARY_CONDITION_OPS, type ConditionOp, type ConditionRule, type FilterNodeConfig } from "@qiao/core";
import type { MessageKey } from "@/lib/i18n/messages";

type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export const newRule = (): ConditionRule => ({ field: "", op: "eq", value: "" });

let lastRowKey = 0;
/** A key for a rule's row in the editor (./filter-panel.tsx), unique in the page; never part of the rule. */
export const newRowKey = (): string => `rule-${++lastRowKey}`;

/**
 * The rule with another operator. An operator without a value drops the value (it would be saved
 * unused); a list's lines become commas, as a one-line value input cannot show line breaks.
 */
export function withOp(rule: ConditionRule, op: ConditionOp): ConditionRule {
  if (UNARY_CONDITION_OPS.has(op)) return { ...rule, op, value: "" };
  if (!LIST_CONDITION_OPS.has(op) && rule.value.includes("\n")) return { ...rule, op, value: conditionListItems(rule.value).join(", ") };
  return { ...rule, op };
}

/** The source field a rule's field template reads when it is just `{{key}}` (or `<<key>>`), else undefined. */
export function plainField(template: string): string | undefined {
  return /^\s*(?:\{\{\s*([^{}|\s]+)\s*\}\}|<<\s*([^<>|\s]+)\s*>>)\s*$/.exec(template)?.slice(1).find(Boolean);
}

/** A rule as one line: `{{type_name}} 等于 淘宝`, `{{del}} 为空`, `{{shop_code}} 属于 a, b`. */
export function ruleText(rule: ConditionRule, t: Translate): string {
  const op = t(`editor.conditionOp.${rule.op}`);
  const value = LIST_CONDITION_OPS.has(rule.op) ? conditionListItems(rule.value).join(", ") : rule.value.trim();
  return [rule.field.trim() || "…", op, ...(UNARY_CONDITION_OPS.has(rule.op) ? [] : [value || "∅"])].join(" ");
}

/** The condition in a few words: `全部满足 · 2 条条件`, `All of 2 rules`. */
export function filterSummary(config: FilterNodeConfig, t: Translate): string {
  const count = config.rules.length;
  if (count === 0) return t("editor.filterSummary.none");
  if (count === 1) return t("editor.filterSummary.one");
  return t(config.match === "all" ? "editor.filterSummary.all" : "editor.filterSummary.any", { count });
}
