// A target node: its form, the mapping (fields the form has, constants that fit them, source
// paths the source returns), write mode, batch size and options.
import { isEntryTable, type FieldMeta, type SourceApiMeta, type TargetApiMeta } from "../connector-meta";
import { coerceToField, isEmptyValue } from "../mapping";
import type { TargetNode } from "../scheme";
import type { Template } from "../template/types";
import { checkAudit, checkEntries } from "./entries";
import type { Issues } from "./issues";
import { compileTemplate, reportUnsetRequired, resolveApi } from "./node";
import { checkHeadPaths } from "./paths";
import type { RunPlan, SchemeCatalog } from "./plan";
import { pickTargetForm } from "./target-form";

/** The target API for the node's form (the first one when the node names none). */
function pickForm(node: TargetNode, index: number, candidates: TargetApiMeta[], issues: Issues): TargetApiMeta | undefined {
  const { formId, api } = node.config;
  const match = pickTargetForm(formId, candidates);
  // No candidates at all: resolveApi has reported why.
  if (!match && candidates.length > 0) {
    const forms = candidates.map((a) => a.formId).join("、");
    issues.error({
      path: ["nodes", index, "config", "formId"],
      nodeId: node.id,
      message: `接口 ${api} 没有表单 “${formId}”：可用的表单有 ${forms}`,
      messageEn: `API ${api} has no form "${formId}": the forms are ${forms}`,
    });
  }
  return match;
}

export function checkTarget(
  node: TargetNode,
  index: number,
  catalog: SchemeCatalog,
  issues: Issues,
  timezone: string,
  sourceApi: SourceApiMeta | undefined,
): RunPlan["target"] | undefined {
  const api = pickForm(node, index, resolveApi(node, index, "target", catalog, issues), issues);
  const { config } = node;
  const path = ["nodes", index, "config"];
  const fields = new Map<string, FieldMeta>(api?.fields.map((f) => [f.key, f]));
  const mapping: Record<string, Template> = {};
  for (const [key, source] of Object.entries(config.mapping)) {
    const fieldPath = [...path, "mapping", key];
    const field = fields.get(key);
    if (field && isEntryTable(field)) {
      issues.error({
        path: fieldPath,
        nodeId: node.id,
        field: key,
        message: `${key}（${field.label}）是分录（单据体）：请在下面的分录映射中为它选择源列表并映射每行的字段，而不是在表头映射中填写`,
        messageEn: `${key} (${field.labelEn}) is an entry table: map it in the entry mappings below (a source list and per-row fields), not as a head field`,
      });
      continue;
    }
    if (api && !field) {
      issues.error({
        path: fieldPath,
        nodeId: node.id,
        field: key,
        message: `目标表单 ${api.formId}（${api.name}）没有字段 “${key}”：请删除这条映射，或从字段列表中选择`,
        messageEn: `The target form ${api.formId} has no field "${key}": delete this mapping or pick a field from the list`,
      });
    }
    const label: [string, string] = [`目标字段 ${key} `, `target field ${key}`];
    const { template, constant } = compileTemplate(source, fieldPath, node, key, label, issues);
    if (!template) continue;
    mapping[key] = template;
    if (field && !isEmptyValue(constant)) {
      const coerced = coerceToField(constant, field, timezone);
      if (!coerced.ok) issues.error({ path: fieldPath, nodeId: node.id, field: key, message: coerced.message, messageEn: coerced.messageEn });
    }
    checkHeadPaths(template, sourceApi, fieldPath, node, key, issues);
  }
  if (!api) return undefined;
  const entries = checkEntries(node, index, api, sourceApi, issues, timezone);
  const audit = checkAudit(node, index, api, issues);
  reportUnsetRequired(api.fields.filter((f) => !isEntryTable(f)), config.mapping, [...path, "mapping"], node, issues, (f) => [
    `必填字段 ${f.key}（${f.label}）没有映射：请为它填写模板，例如 {{name}} 或一个固定值`,
    `The required field ${f.key} (${f.labelEn}) is not mapped: give it a template such as {{name}} or a constant`,
  ]);
  if (isEmptyValue(config.mapping[api.numberField]) && config.mode === "upsert") {
    // Upsert finds what it wrote by this number: without one, every change of a record it wrote
    // created another (a second 销售出库单 per changed delivery; session 23's audit).
    issues.error({
      path: [...path, "mapping", api.numberField],
      nodeId: node.id,
      field: api.numberField,
      message: `写入方式为“新增或更新”时必须映射编码字段 ${api.numberField}：Qiao 按它在金蝶中找到已写入的记录并更新，没有它每次数据变化都会再新增一条；请映射为源记录的编码，如 {{code}}，或改用“仅新增”`,
      messageEn: `Upsert needs the number field ${api.numberField} mapped: Qiao finds the record it wrote by it and updates it; without it every change would create another. Map it to the source's code, e.g. {{code}}, or write in create mode`,
    });
  } else if (isEmptyValue(config.mapping[api.numberField])) {
    issues.warning({
      path: [...path, "mapping", api.numberField],
      nodeId: node.id,
      field: api.numberField,
      message: `编码字段 ${api.numberField} 没有映射：写入中断后无法核对记录是否已写入，可能重复创建；建议映射为源记录的编码，如 {{code}}`,
      messageEn: `The number field ${api.numberField} is not mapped: after an interrupted write Qiao cannot check what was written, so records may be created twice; map it to the source's code, e.g. {{code}}`,
    });
  }
  if (!api.writeModes.includes(config.mode)) {
    issues.error({
      path: [...path, "mode"],
      nodeId: node.id,
      message: `接口 ${api.id} 不支持写入方式 ${config.mode}：可用的有 ${api.writeModes.join("、")}`,
      messageEn: `API ${api.id} does not support the write mode ${config.mode}: use ${api.writeModes.join(", ")}`,
    });
  }
  if (config.batchSize > api.batch.maxSize) {
    issues.error({
      path: [...path, "batchSize"],
      nodeId: node.id,
      message: `接口 ${api.id} 每批最多 ${api.batch.maxSize} 条，当前设置为 ${config.batchSize}：请调小每批条数`,
      messageEn: `API ${api.id} takes at most ${api.batch.maxSize} records a batch, the batch size is ${config.batchSize}: lower it`,
    });
  }
  const options: Record<string, boolean | string | number> = Object.fromEntries(api.options.map((o) => [o.key, o.default]));
  for (const [key, value] of Object.entries(config.options)) {
    const option = api.options.find((o) => o.key === key);
    const optionPath = [...path, "options", key];
    if (!option) {
      issues.error({
        path: optionPath,
        nodeId: node.id,
        field: key,
        message: `接口 ${api.id} 没有选项 “${key}”：请删除它；可用的选项有 ${api.options.map((o) => `${o.key}（${o.label}）`).join("、")}`,
        messageEn: `API ${api.id} has no option "${key}": remove it; the options are ${api.options.map((o) => o.key).join(", ")}`,
      });
      continue;
    }
    const fits = option.type === "integer" ? Number.isSafeInteger(value) : typeof value === option.type;
    if (!fits) {
      const [zh, enType] = option.type === "boolean" ? ["是/否", "true or false"] : option.type === "integer" ? ["整数", "an integer"] : ["文本", "text"];
      issues.error({
        path: optionPath,
        nodeId: node.id,
        field: key,
        message: `选项 ${key}（${option.label}）应为${zh}，得到 ${JSON.stringify(value)}`,
        messageEn: `Option ${key} (${option.labelEn}) must be ${enType}, got ${JSON.stringify(value)}`,
      });
      continue;
    }
    options[key] = value;
  }
  if (audit === "separate" && "IsAutoSubmitAndAudit" in options) options.IsAutoSubmitAndAudit = false;
  return {
    nodeId: node.id,
    connectionId: config.connectionId,
    platform: config.platform,
    api,
    formId: api.formId,
    options,
    batchSize: config.batchSize,
    mode: config.mode,
    mapping,
    numberField: api.numberField,
    entries,
    audit,
  };
}
