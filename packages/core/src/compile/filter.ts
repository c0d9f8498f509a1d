// A filter node (过滤条件): each rule's field is a template on the source record (checked like a
// head mapping's), its value plain text. A condition reads the record and value maps (whose
// existence checkValueMaps checks with the mapping's); lookups are refused (a run fetches them for
// the mapping of the records the condition keeps, not before it; docs/decisions.md, sessions 28, 29).
import type { SourceApiMeta } from "../connector-meta";
import { conditionListItems } from "../condition";
import { looksLikeDateButIsNot } from "../condition-dates";
import { LIST_CONDITION_OPS, UNARY_CONDITION_OPS, type FilterNode } from "../scheme";
import { templateLookupRefs, templateRefs } from "../template/evaluate";
import type { Issues } from "./issues";
import { compileTemplate } from "./node";
import { checkHeadPaths } from "./paths";
import type { ConditionRulePlan, FilterPlan } from "./plan";

export function checkFilter(node: FilterNode, index: number, sourceApi: SourceApiMeta | undefined, issues: Issues): FilterPlan | undefined {
  const path = ["nodes", index, "config"];
  const rules: ConditionRulePlan[] = [];
  let failed = false;
  if (node.config.rules.length === 0) {
    issues.warning({
      path: [...path, "rules"],
      nodeId: node.id,
      message: `过滤节点 “${node.id}” 还没有条件：所有记录都会写入；请添加条件，或删除这个节点`,
      messageEn: `The filter node "${node.id}" has no rules yet: every record is written; add a rule or delete the node`,
    });
  }
  node.config.rules.forEach((rule, i) => {
    const n = i + 1;
    const fieldPath = [...path, "rules", i, "field"];
    const key = `rules[${i}]`;
    if (rule.field.trim() === "") {
      issues.error({
        path: fieldPath,
        nodeId: node.id,
        field: key,
        message: `过滤条件第 ${n} 条没有字段：请选择要比较的源字段，例如 {{del}}`,
        messageEn: `Condition rule ${n} has no field: pick the source field to compare, e.g. {{del}}`,
      });
      failed = true;
      return;
    }
    const { template } = compileTemplate(rule.field, fieldPath, node, key, [`过滤条件第 ${n} 条`, `condition rule ${n}`], issues);
    if (!template) {
      failed = true;
      return;
    }
    if (templateRefs(template).paths.length === 0) {
      // Fixed text (a field name typed without braces, or a variable alone): the rule would hold
      // for every record or for none.
      issues.error({
        path: fieldPath,
        nodeId: node.id,
        field: key,
        message: `过滤条件第 ${n} 条的字段 “${rule.field}” 不读取源记录：字段要写在双花括号中，例如 {{${/^[\w.]+$/.test(rule.field.trim()) ? rule.field.trim() : "del"}}}`,
        messageEn: `Condition rule ${n}'s field "${rule.field}" reads nothing of the source record: write the field in double braces, e.g. {{${/^[\w.]+$/.test(rule.field.trim()) ? rule.field.trim() : "del"}}}`,
      });
      failed = true;
      return;
    }
    checkHeadPaths(template, sourceApi, fieldPath, node, key, issues);
    if (templateLookupRefs(template).length > 0) {
      issues.error({
        path: fieldPath,
        nodeId: node.id,
        field: key,
        message: `过滤条件第 ${n} 条用了 lookup / erp_lookup：过滤条件在查找之前判断，只能读取源记录的字段和值映射；请直接比较源字段的值（可用“属于”列出多个值，或用 map 值映射分组）`,
        messageEn: `Condition rule ${n} uses lookup / erp_lookup: a condition is judged before lookups, on the source record's fields and value maps only; compare the source field itself ("one of" takes several values, a value map can group them)`,
      });
      failed = true;
    }
    const value = rule.value.trim();
    const values = LIST_CONDITION_OPS.has(rule.op) ? conditionListItems(rule.value) : [];
    const valuePath = [...path, "rules", i, "value"];
    if (LIST_CONDITION_OPS.has(rule.op) && values.length === 0) {
      issues.error({
        path: valuePath,
        nodeId: node.id,
        field: key,
        message: `过滤条件第 ${n} 条要列出值：每行一个，或用逗号分隔`,
        messageEn: `Condition rule ${n} needs its values: one per line, or separated by commas`,
      });
      failed = true;
    } else if (!UNARY_CONDITION_OPS.has(rule.op) && rule.op !== "eq" && rule.op !== "ne" && value === "") {
      issues.error({
        path: valuePath,
        nodeId: node.id,
        field: key,
        message: `过滤条件第 ${n} 条没有比较的值：请填写一个值`,
        messageEn: `Condition rule ${n} has no value to compare with: enter one`,
      });
      failed = true;
    }
    if ((rule.op === "eq" || rule.op === "ne") && value === "") {
      // A missing or blank value is 为空 and equals nothing (../condition.ts): 等于 "" keeps no record.
      issues.warning({
        path: valuePath,
        nodeId: node.id,
        field: key,
        message: `过滤条件第 ${n} 条的比较值为空：${rule.op === "eq" ? "“等于”空值不会匹配任何记录" : "“不等于”空值对每条记录都成立"}；要判断字段是否为空，请用“为空”或“不为空”`,
        messageEn: `Condition rule ${n} compares with an empty value: ${rule.op === "eq" ? '"equals" an empty value matches no record' : '"not equal" to an empty value holds for every record'}; to test whether the field is empty use "is empty" or "is not empty"`,
      });
    }
    const odd = (LIST_CONDITION_OPS.has(rule.op) ? values : UNARY_CONDITION_OPS.has(rule.op) ? [] : [value]).find(looksLikeDateButIsNot);
    if (odd !== undefined) {
      issues.warning({
        path: valuePath,
        nodeId: node.id,
        field: key,
        message: `过滤条件第 ${n} 条的值 “${odd}” 像日期，但不是能识别的日期（如 2026-12-01 或 2026-12-01 08:00:00，不带时区）：它会按文本比较`,
        messageEn: `Condition rule ${n}'s value "${odd}" looks like a date but is not one that can be read (such as 2026-12-01 or 2026-12-01 08:00:00, without a time zone): it compares as text`,
      });
    }
    rules.push({ field: template, op: rule.op, value, values });
  });
  if (failed) return undefined;
  return { nodeId: node.id, match: node.config.match, rules };
}
