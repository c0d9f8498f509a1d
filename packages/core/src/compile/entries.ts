// A target node's entry tables (单据体) and audit mode: each entry table of the form comes from a
// source list the record has, its row templates read the list's items (and `$parent`), its row
// fields belong to the table, and the required ones are mapped.
import { isEntryTable, type AuditMode, type FieldMeta, type SourceApiMeta, type TargetApiMeta } from "../connector-meta";
import { coerceToField, isEmptyValue } from "../mapping";
import type { TargetNode } from "../scheme";
import type { Template } from "../template/types";
import type { Issues } from "./issues";
import { compileTemplate, reportUnsetRequired } from "./node";
import { checkRowPaths } from "./paths";
import type { EntryPlan, IssuePath } from "./plan";

type EntryTable = FieldMeta & { fields: FieldMeta[] };

/** The documented item fields of the source list at `from`, or why there are none. */
function resolveList(
  from: string[],
  api: SourceApiMeta,
): { kind: "list"; fields?: FieldMeta[] } | { kind: "unknown" } | { kind: "notList"; field: FieldMeta } {
  let fields: readonly FieldMeta[] | undefined = api.response;
  let field: FieldMeta | undefined;
  for (const key of from) {
    field = fields?.find((f) => f.key === key);
    if (!field) return { kind: "unknown" };
    fields = field.fields;
  }
  if (!field || field.type !== "array") return field ? { kind: "notList", field } : { kind: "unknown" };
  return { kind: "list", ...(field.fields && { fields: field.fields }) };
}

function sourceLists(api: SourceApiMeta): string {
  const lists = api.response.filter((f) => f.type === "array");
  return lists.length ? lists.map((f) => `${f.key}（${f.label}）`).join("、") : "（该接口没有列表字段）";
}

function checkEntry(
  node: TargetNode,
  path: IssuePath,
  key: string,
  table: EntryTable,
  entry: TargetNode["config"]["entries"][string],
  sourceApi: SourceApiMeta | undefined,
  issues: Issues,
  timezone: string,
): EntryPlan | undefined {
  const fromText = entry.from.trim();
  const from = fromText === "" ? [] : fromText.split(".").map((s) => s.trim());
  let item: { fields: FieldMeta[]; name: string } | undefined;
  let ok = true;
  if (from.length === 0 || from.some((s) => s === "")) {
    ok = false;
    issues.error({
      path: [...path, "from"],
      nodeId: node.id,
      field: key,
      message: `分录 ${key}（${table.label}）还没有选择源列表：请选择源记录中的一个列表字段${sourceApi ? `，可用的有 ${sourceLists(sourceApi)}` : "，如 details"}`,
      messageEn: `The entry table ${key} (${table.labelEn}) has no source list: pick a list field of the source record${sourceApi ? ` (${sourceApi.response.filter((f) => f.type === "array").map((f) => f.key).join(", ")})` : ", e.g. details"}`,
    });
  } else if (sourceApi) {
    const list = resolveList(from, sourceApi);
    if (list.kind === "notList") {
      ok = false;
      issues.error({
        path: [...path, "from"],
        nodeId: node.id,
        field: key,
        message: `源字段 ${fromText}（${list.field.label}）不是列表，不能生成分录行：可用的列表有 ${sourceLists(sourceApi)}`,
        messageEn: `The source field ${fromText} (${list.field.labelEn}) is not a list, so it cannot make entry rows: the lists are ${sourceApi.response.filter((f) => f.type === "array").map((f) => f.key).join(", ")}`,
      });
    } else if (list.kind === "unknown") {
      issues.warning({
        path: [...path, "from"],
        nodeId: node.id,
        field: key,
        message: `源接口 ${sourceApi.id}（${sourceApi.name}）的返回字段中没有列表 “${fromText}”，运行时分录可能为空：可用的列表有 ${sourceLists(sourceApi)}`,
        messageEn: `Source API ${sourceApi.id} does not document a list "${fromText}", so the entry table may be empty`,
      });
    } else if (list.fields) {
      item = { fields: list.fields, name: fromText };
    }
  }
  let filter: Template | undefined;
  if (entry.filter.trim() !== "") {
    const filterPath = [...path, "filter"];
    filter = compileTemplate(entry.filter, filterPath, node, key, [`分录 ${key} 的行过滤条件`, `the row filter of ${key}`], issues).template;
    if (filter) checkRowPaths(filter, sourceApi, item, filterPath, node, key, issues);
  }
  const rowFields = new Map(table.fields.map((f) => [f.key, f]));
  const mapping: Record<string, Template> = {};
  for (const [rowKey, source] of Object.entries(entry.mapping)) {
    const fieldPath = [...path, "mapping", rowKey];
    const field = rowFields.get(rowKey);
    if (!field) {
      issues.error({
        path: fieldPath,
        nodeId: node.id,
        field: rowKey,
        message: `分录 ${key}（${table.label}）的行没有字段 “${rowKey}”：请删除这条映射；可用的字段有 ${table.fields.map((f) => `${f.key}（${f.label}）`).join("、")}`,
        messageEn: `Rows of the entry table ${key} have no field "${rowKey}": delete this mapping; the fields are ${table.fields.map((f) => f.key).join(", ")}`,
      });
    }
    const label: [string, string] = [`分录字段 ${key}.${rowKey} `, `entry field ${key}.${rowKey}`];
    const { template, constant } = compileTemplate(source, fieldPath, node, rowKey, label, issues);
    if (!template) continue;
    mapping[rowKey] = template;
    if (field && !isEmptyValue(constant)) {
      const coerced = coerceToField(constant, field, timezone);
      if (!coerced.ok) issues.error({ path: fieldPath, nodeId: node.id, field: rowKey, message: coerced.message, messageEn: coerced.messageEn });
    }
    checkRowPaths(template, sourceApi, item, fieldPath, node, rowKey, issues);
  }
  reportUnsetRequired(table.fields, entry.mapping, [...path, "mapping"], node, issues, (f) => [
    `分录 ${key} 的必填字段 ${f.key}（${f.label}）没有映射：请为它填写行模板，例如 {{item_code}} 或一个固定值`,
    `The required field ${f.key} (${f.labelEn}) of the entry table ${key} is not mapped: give it a row template such as {{item_code}} or a constant`,
  ]);
  if (!ok) return undefined;
  return { key, field: table, from, ...(filter && { filter }), mapping };
}

export function checkEntries(
  node: TargetNode,
  index: number,
  api: TargetApiMeta | undefined,
  sourceApi: SourceApiMeta | undefined,
  issues: Issues,
  timezone: string,
): EntryPlan[] {
  const path = ["nodes", index, "config", "entries"];
  const tables = (api?.fields ?? []).filter(isEntryTable);
  const plans = new Map<string, EntryPlan>();
  for (const [key, entry] of Object.entries(node.config.entries)) {
    const table = tables.find((t) => t.key === key);
    if (!table) {
      if (!api) continue;
      issues.error({
        path: [...path, key],
        nodeId: node.id,
        field: key,
        message: `目标表单 ${api.formId}（${api.name}）没有分录 “${key}”：${tables.length ? `它的分录有 ${tables.map((t) => `${t.key}（${t.label}）`).join("、")}` : "这个表单没有分录（单据体）"}`,
        messageEn: `The target form ${api.formId} has no entry table "${key}": ${tables.length ? `its entry tables are ${tables.map((t) => t.key).join(", ")}` : "the form has none"}`,
      });
      continue;
    }
    const plan = checkEntry(node, [...path, key], key, table, entry, sourceApi, issues, timezone);
    if (plan) plans.set(key, plan);
  }
  for (const table of tables) {
    if (table.required && node.config.entries[table.key] === undefined) {
      issues.error({
        path: [...path, table.key],
        nodeId: node.id,
        field: table.key,
        message: `必填分录 ${table.key}（${table.label}）没有映射：请选择它的源列表（如 details）并映射每行的字段`,
        messageEn: `The required entry table ${table.key} (${table.labelEn}) is not mapped: pick its source list (e.g. details) and map the row fields`,
      });
    }
  }
  return tables.flatMap((t) => plans.get(t.key) ?? []);
}

/**
 * "separate" only for bills. It overrides the option that audits in the save (IsAutoSubmitAndAudit
 * is sent false): the mode is the one switch a person sets, so the two cannot contradict each other.
 */
export function checkAudit(node: TargetNode, index: number, api: TargetApiMeta | undefined, issues: Issues): AuditMode {
  const { audit } = node.config;
  if (audit === "separate" && api && !api.bill) {
    issues.error({
      path: ["nodes", index, "config", "audit"],
      nodeId: node.id,
      message: `表单 ${api.formId}（${api.name}）不是单据，没有单独的提交和审核：请选择 “保存时自动提交审核”`,
      messageEn: `The form ${api.formId} is not a bill and has no separate submit and audit: choose "audit with the save"`,
    });
  }
  return audit;
}
