// A source node: its request parameters (templates without record fields), paging, and the
// record id and list key it reads by.
import type { SourceNode } from "../scheme";
import { templateRefs } from "../template/evaluate";
import { TEMPLATE_VARIABLES, type Template } from "../template/types";
import type { Issues } from "./issues";
import { compileTemplate, reportUnsetRequired, resolveApi } from "./node";
import type { RunPlan, SchemeCatalog } from "./plan";

/** `timezone` is the scheme's: the request's datetimes are written in the platform's wireTimezone when it has one. */
export function checkSource(node: SourceNode, index: number, catalog: SchemeCatalog, issues: Issues, timezone: string): RunPlan["source"] | undefined {
  const [api] = resolveApi(node, index, "source", catalog, issues);
  const { config } = node;
  const path = ["nodes", index, "config"];
  const params: Record<string, Template> = {};
  for (const [key, source] of Object.entries(config.params)) {
    const paramPath = [...path, "params", key];
    if (api && !api.request.some((f) => f.key === key)) {
      issues.error({
        path: paramPath,
        nodeId: node.id,
        field: key,
        message: `接口 ${api.id}（${api.name}）没有请求参数 “${key}”：请删除它；可用的参数有 ${api.request.map((f) => `${f.key}（${f.label}）`).join("、")}`,
        messageEn: `API ${api.id} takes no parameter "${key}": remove it; the parameters are ${api.request.map((f) => f.key).join(", ")}`,
      });
    }
    const { template } = compileTemplate(source, paramPath, node, key, [`请求参数 ${key} `, `parameter ${key}`], issues);
    if (!template) continue;
    params[key] = template;
    for (const ref of templateRefs(template).paths) {
      issues.error({
        path: paramPath,
        nodeId: node.id,
        field: key,
        message: `请求参数 ${key} 不能引用记录字段 “${ref.text}”：发出请求时还没有记录；可用的变量有 ${TEMPLATE_VARIABLES.join("、")}`,
        messageEn: `Parameter ${key} cannot read the record field "${ref.text}": there is no record when the request is sent; the variables are ${TEMPLATE_VARIABLES.join(", ")}`,
        start: ref.start,
        end: ref.end,
      });
    }
  }
  if (!api) return undefined;
  reportUnsetRequired(api.request, config.params, [...path, "params"], node, issues, (f) => [
    `必填的请求参数 ${f.key}（${f.label}）没有填写${f.preset ? `：可填 ${f.preset}` : ""}`,
    `The required parameter ${f.key} (${f.labelEn}) is not set${f.preset ? `: e.g. ${f.preset}` : ""}`,
  ]);
  if (config.pageSize > api.paging.maxPageSize) {
    issues.error({
      path: [...path, "pageSize"],
      nodeId: node.id,
      message: `接口 ${api.id} 每页最多 ${api.paging.maxPageSize} 条，当前设置为 ${config.pageSize}：请调小每页条数`,
      messageEn: `API ${api.id} returns at most ${api.paging.maxPageSize} records a page, the page size is ${config.pageSize}: lower it`,
    });
  }
  const fromCursor = Object.values(params).some((t) => templateRefs(t).variables.some((v) => v.text === "LAST_SYNC_TIME"));
  if (fromCursor) {
    for (const field of api.request) {
      if (!field.incrementalValues) continue;
      const value = (config.params[field.key] ?? "").trim();
      const fine = value === "" ? field.incrementalDefault === true : field.incrementalValues.includes(value) || value.includes("{{") || value.includes("<<");
      if (fine) continue;
      const choices = field.incrementalValues.join(" / ");
      issues.warning({
        path: [...path, "params", field.key],
        nodeId: node.id,
        field: field.key,
        message: `按上次同步时间增量读取时，${field.key}（${field.label}）应为 ${choices}${field.description ? `（${field.description}）` : ""}：当前${value === "" ? "未填写" : `为 ${value}`}，之后修改或补录的记录不在读取窗口内，会被永久漏掉`,
        messageEn: `Reading incrementally from the last sync time, ${field.key} (${field.labelEn}) should be ${choices}: ${value === "" ? "it is not set" : `it is ${value}`}, so records edited or imported later fall outside every window and are missed for good`,
      });
    }
  }
  if (config.idField !== undefined && !api.response.some((f) => f.key === config.idField)) {
    issues.warning({
      path: [...path, "idField"],
      nodeId: node.id,
      message: `接口 ${api.id} 的返回字段中没有 “${config.idField}”，无法用它识别记录：通常应为 ${api.idField}`,
      messageEn: `API ${api.id} returns no field "${config.idField}" to identify records by: it is usually ${api.idField}`,
    });
  }
  if (config.listKey !== undefined && config.listKey !== api.listKey) {
    issues.warning({
      path: [...path, "listKey"],
      nodeId: node.id,
      message: `接口 ${api.id} 的记录列表字段是 “${api.listKey}”，不是 “${config.listKey}”`,
      messageEn: `API ${api.id} lists its records under "${api.listKey}", not "${config.listKey}"`,
    });
  }
  return {
    nodeId: node.id,
    connectionId: config.connectionId,
    platform: config.platform,
    api,
    params,
    timezone: catalog.connectors.get(config.platform)?.wireTimezone ?? timezone,
    pageSize: config.pageSize,
    idField: config.idField ?? api.idField,
    listKey: config.listKey ?? api.listKey,
    fromCursor,
  };
}
