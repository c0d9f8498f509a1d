// From a scheme definition (as stored or as the editor sends it) to a run plan: the graph made
// linear, the connector metadata resolved and every template parsed. Everything wrong is
// reported at once, each issue with its path into the definition and a message a person can
// act on; warnings do not stop a plan.
import { z } from "zod";
import type { ApiMeta, ConnectorMeta, FieldMeta, SourceApiMeta, TargetApiMeta, WriteMode } from "./connector-meta";
import { coerceToField, isEmptyValue } from "./mapping";
import { schemeDefinitionSchema, schemeNodeSchema, type SchemeDefinition, type SchemeNode, type SourceNode, type TargetNode } from "./scheme";
import { evaluateTemplate, templateRefs } from "./template/evaluate";
import { parseTemplate } from "./template/parse";
import { DEFAULT_TIMEZONE, isValidTimeZone } from "./template/time";
import { TEMPLATE_VARIABLES, type Template, type TemplateVars } from "./template/types";

export interface SchemeCatalog {
  /** Connections by id, with the platform they belong to. */
  connections: ReadonlyMap<string, { platform: string; name?: string }>;
  /** Connector metadata by platform. */
  connectors: ReadonlyMap<string, ConnectorMeta>;
}

export type IssuePath = (string | number)[];

export interface SchemeIssue {
  /** Into the definition, e.g. ["nodes", 1, "config", "mapping", "FName"]. */
  path: IssuePath;
  nodeId?: string;
  /** The mapping, param or option key the issue is about. */
  field?: string;
  /** zh-CN */
  message: string;
  messageEn: string;
  /** Offsets into the template at `path`, for template issues. */
  start?: number;
  end?: number;
  severity: "error" | "warning";
}

export interface RunPlan {
  timezone: string;
  source: {
    nodeId: string;
    connectionId: string;
    platform: string;
    api: SourceApiMeta;
    params: Record<string, Template>;
    pageSize: number;
    idField: string;
    listKey: string;
  };
  target: {
    nodeId: string;
    connectionId: string;
    platform: string;
    api: TargetApiMeta;
    formId: string;
    /** The API's option defaults overlaid with the node's options. */
    options: Record<string, boolean | string | number>;
    batchSize: number;
    mode: WriteMode;
    mapping: Record<string, Template>;
    /** The target field that identifies a record (idempotency lookups), e.g. FNumber. */
    numberField: string;
  };
}

export type CompileResult = { ok: true; plan: RunPlan; warnings: SchemeIssue[] } | { ok: false; issues: SchemeIssue[] };

type Issue = Omit<SchemeIssue, "severity">;

class Issues {
  readonly list: SchemeIssue[] = [];
  error(issue: Issue): void {
    this.list.push({ ...issue, severity: "error" });
  }
  warning(issue: Issue): void {
    this.list.push({ ...issue, severity: "warning" });
  }
  get hasErrors(): boolean {
    return this.list.some((i) => i.severity === "error");
  }
}

const SOURCE_ZH = "源节点";
const TARGET_ZH = "目标节点";
const kindZh = (node: SchemeNode) => (node.type === "source" ? SOURCE_ZH : TARGET_ZH);
const kindEn = (node: SchemeNode) => (node.type === "source" ? "source node" : "target node");

export function compileScheme(def: unknown, catalog: SchemeCatalog): CompileResult {
  const issues = new Issues();
  const parsed = schemeDefinitionSchema.safeParse(def, { error: zhCN() });
  if (!parsed.success) {
    reportShapeIssues(def, parsed.error.issues, issues);
    checkWellFormedNodes(def, catalog, issues);
    return { ok: false, issues: issues.list };
  }
  const d = parsed.data;
  const graph = checkGraph(d, issues);
  const sources = d.nodes.flatMap((node, index) => (node.type === "source" ? [{ node, index }] : []));
  const targets = d.nodes.flatMap((node, index) => (node.type === "target" ? [{ node, index }] : []));
  const source = sources.map(({ node, index }) => checkSource(node, index, catalog, issues))[0];
  const target = targets.map(({ node, index }) => checkTarget(node, index, catalog, issues, d.timezone, source?.api))[0];
  if (issues.hasErrors || !graph || !source || !target) return { ok: false, issues: issues.list };
  return { ok: true, plan: { timezone: d.timezone, source, target }, warnings: issues.list };
}

// ---------------------------------------------------------------------------------------
// Shape (zod)

let zhLocale: z.core.$ZodErrorMap | undefined;
let enLocale: z.core.$ZodErrorMap | undefined;
const zhCN = () => (zhLocale ??= z.locales.zhCN().localeError);
const en = () => (enLocale ??= z.locales.en().localeError);

function reportShapeIssues(def: unknown, zhIssues: readonly z.core.$ZodIssue[], issues: Issues): void {
  // The same parse with English messages, issue for issue.
  const enResult = schemeDefinitionSchema.safeParse(def, { error: en() });
  const enIssues = enResult.success ? [] : enResult.error.issues;
  zhIssues.forEach((zi, k) => {
    const path = zi.path.map((p) => (typeof p === "symbol" ? String(p) : p));
    const custom = zi.code === "custom" ? (zi.params as { messageEn?: string } | undefined) : undefined;
    let message = zi.message;
    let messageEn = custom?.messageEn ?? enIssues[k]?.message ?? zi.message;
    if (path.length === 3 && path[0] === "nodes" && path[2] === "type") {
      const type = JSON.stringify(at(at(at(def, "nodes"), path[1] as number), "type"));
      message = `不支持的节点类型 ${type}：目前只有 source（源）和 target（目标）`;
      messageEn = `Unsupported node type ${type}: the types are source and target`;
    }
    // Our own messages say where they apply, except inside nodes and edges.
    const where = custom && path[0] !== "nodes" && path[0] !== "edges" ? undefined : describePath(def, path);
    issues.error({
      path,
      ...nodeAndField(def, path),
      message: where ? `${where.zh}：${message}` : message,
      messageEn: where ? `${where.en}: ${messageEn}` : messageEn,
    });
  });
}

function at(value: unknown, key: string | number): unknown {
  return typeof value === "object" && value !== null ? (value as Record<string | number, unknown>)[key] : undefined;
}

function nodeAndField(def: unknown, path: IssuePath): { nodeId?: string; field?: string } {
  const out: { nodeId?: string; field?: string } = {};
  if (path[0] === "nodes" && typeof path[1] === "number") {
    const id = at(at(at(def, "nodes"), path[1]), "id");
    if (typeof id === "string") out.nodeId = id;
    if (path[2] === "config" && typeof path[4] === "string" && ["mapping", "params", "options"].includes(String(path[3]))) {
      out.field = path[4];
    }
  }
  return out;
}

function describePath(def: unknown, path: IssuePath): { zh: string; en: string } | undefined {
  if (path.length === 0) return undefined;
  const [head, index, ...rest] = path;
  if ((head === "nodes" || head === "edges") && typeof index === "number") {
    const id = at(at(at(def, head), index), "id");
    const name = typeof id === "string" ? `“${id}”` : `#${index + 1}`;
    const nameEn = typeof id === "string" ? `"${id}"` : `#${index + 1}`;
    const restText = rest.join(".");
    return head === "nodes"
      ? { zh: `节点 ${name}${restText ? ` 的 ${restText}` : ""}`, en: `Node ${nameEn}${restText ? ` ${restText}` : ""}` }
      : { zh: `连线 ${name}${restText ? ` 的 ${restText}` : ""}`, en: `Edge ${nameEn}${restText ? ` ${restText}` : ""}` };
  }
  const text = path.join(".");
  return { zh: text, en: text };
}

/** When the definition as a whole is malformed, still check the nodes that are well-formed. */
function checkWellFormedNodes(def: unknown, catalog: SchemeCatalog, issues: Issues): void {
  const rawNodes = at(def, "nodes");
  if (!Array.isArray(rawNodes)) return;
  const rawTimezone = at(def, "timezone");
  const timezone = typeof rawTimezone === "string" && isValidTimeZone(rawTimezone) ? rawTimezone : DEFAULT_TIMEZONE;
  const nodes = rawNodes.flatMap((raw: unknown, index) => {
    const r = schemeNodeSchema.safeParse(raw);
    return r.success ? [{ node: r.data, index }] : [];
  });
  let sourceApi: SourceApiMeta | undefined;
  for (const { node, index } of nodes) {
    if (node.type === "source") sourceApi ??= checkSource(node, index, catalog, issues)?.api;
  }
  for (const { node, index } of nodes) {
    if (node.type === "target") checkTarget(node, index, catalog, issues, timezone, sourceApi);
  }
}

// ---------------------------------------------------------------------------------------
// Graph

/** True when the graph is one source connected to one target. */
function checkGraph(d: SchemeDefinition, issues: Issues): boolean {
  const before = issues.list.length;
  const nodeIndex = new Map<string, number>();
  d.nodes.forEach((node, index) => {
    if (nodeIndex.has(node.id)) {
      issues.error({
        path: ["nodes", index, "id"],
        nodeId: node.id,
        message: `有两个节点的 id 都是 “${node.id}”：节点 id 必须唯一，请修改其中一个`,
        messageEn: `Two nodes have the id "${node.id}": node ids must be unique, change one of them`,
      });
    } else nodeIndex.set(node.id, index);
  });
  const edgeIds = new Set<string>();
  const pairs = new Set<string>();
  const valid: { index: number; from: SchemeNode; to: SchemeNode }[] = [];
  d.edges.forEach((edge, index) => {
    if (edgeIds.has(edge.id)) {
      issues.error({
        path: ["edges", index, "id"],
        message: `有两条连线的 id 都是 “${edge.id}”：连线 id 必须唯一`,
        messageEn: `Two edges have the id "${edge.id}": edge ids must be unique`,
      });
    }
    edgeIds.add(edge.id);
    let dangling = false;
    for (const end of ["source", "target"] as const) {
      if (nodeIndex.has(edge[end])) continue;
      dangling = true;
      issues.error({
        path: ["edges", index, end],
        message: `连线 “${edge.id}” 的${end === "source" ? "起点" : "终点"} “${edge[end]}” 不是方案中的节点：请删除这条连线或重新连接`,
        messageEn: `The ${end} "${edge[end]}" of edge "${edge.id}" is not a node of the scheme: delete the edge or reconnect it`,
      });
    }
    if (dangling) return;
    const pair = `${edge.source}\u0000${edge.target}`;
    if (pairs.has(pair)) {
      issues.warning({
        path: ["edges", index],
        message: `连线 “${edge.id}” 与另一条连线重复（${edge.source} → ${edge.target}），可以删除`,
        messageEn: `Edge "${edge.id}" duplicates another edge (${edge.source} → ${edge.target}) and can be deleted`,
      });
      return;
    }
    pairs.add(pair);
    valid.push({ index, from: d.nodes[nodeIndex.get(edge.source) as number] as SchemeNode, to: d.nodes[nodeIndex.get(edge.target) as number] as SchemeNode });
  });

  const inCycle = reportCycles(d, valid, issues);
  for (const { index, from, to } of valid) {
    if (inCycle.has(index)) continue;
    if (from.type === "target") {
      issues.error({
        path: ["edges", index],
        nodeId: from.id,
        message: `连线从目标节点 “${from.id}” 出发：数据只能从源节点流向目标节点，请反向连接`,
        messageEn: `Edge starts at the target node "${from.id}": data flows from a source to a target, connect it the other way`,
      });
    } else if (to.type === "source") {
      issues.error({
        path: ["edges", index],
        nodeId: to.id,
        message: `连线指向源节点 “${to.id}”：源节点只读取数据，不能有输入连线`,
        messageEn: `Edge ends at the source node "${to.id}": a source only reads and takes no input`,
      });
    }
  }

  const sources = d.nodes.map((n, i) => [n, i] as const).filter(([n]) => n.type === "source");
  const targets = d.nodes.map((n, i) => [n, i] as const).filter(([n]) => n.type === "target");
  if (sources.length === 0) {
    issues.error({
      path: ["nodes"],
      message: "方案中没有源节点：请添加一个源节点，选择要读取数据的平台和接口",
      messageEn: "The scheme has no source node: add one and choose the platform and API to read from",
    });
  }
  if (targets.length === 0) {
    issues.error({
      path: ["nodes"],
      message: "方案中没有目标节点：请添加一个目标节点，选择要写入数据的平台和接口",
      messageEn: "The scheme has no target node: add one and choose the platform and API to write to",
    });
  }
  for (const [list, zh, en] of [
    [sources, SOURCE_ZH, "source node"],
    [targets, TARGET_ZH, "target node"],
  ] as const) {
    for (const [node, index] of list.slice(1)) {
      issues.error({
        path: ["nodes", index],
        nodeId: node.id,
        message: `一个方案目前只能有一个${zh}：请删除多余的${zh} “${node.id}”，或把它放到另一个方案中`,
        messageEn: `A scheme has a single ${en} for now: delete the extra ${en} "${node.id}" or move it to another scheme`,
      });
    }
  }
  if (d.nodes.length > 1) {
    const connected = new Set(valid.flatMap(({ from, to }) => [from.id, to.id]));
    d.nodes.forEach((node, index) => {
      if (connected.has(node.id)) return;
      issues.error({
        path: ["nodes", index],
        nodeId: node.id,
        message: `${kindZh(node)} “${node.id}” 没有任何连线：请把源节点连到目标节点，或删除这个节点`,
        messageEn: `The ${kindEn(node)} "${node.id}" is not connected: connect the source to the target, or delete the node`,
      });
    });
  }
  const [source] = sources;
  const [target] = targets;
  if (issues.list.slice(before).some((i) => i.severity === "error") || !source || !target) return false;
  if (!valid.some(({ from, to }) => from.id === source[0].id && to.id === target[0].id)) {
    issues.error({
      path: ["edges"],
      message: `源节点 “${source[0].id}” 与目标节点 “${target[0].id}” 之间没有连线：请从源节点连到目标节点`,
      messageEn: `No edge leads from the source "${source[0].id}" to the target "${target[0].id}": connect them`,
    });
    return false;
  }
  return true;
}

/** One issue per cycle; returns the indexes of the edges that lie on one. */
function reportCycles(d: SchemeDefinition, edges: { index: number; from: SchemeNode; to: SchemeNode }[], issues: Issues): Set<number> {
  const out = new Map<string, { index: number; to: string }[]>();
  for (const e of edges) out.set(e.from.id, [...(out.get(e.from.id) ?? []), { index: e.index, to: e.to.id }]);
  const state = new Map<string, "open" | "done">();
  const stack: { node: string; via: number }[] = [];
  const inCycle = new Set<number>();
  const visit = (node: string): void => {
    state.set(node, "open");
    for (const { index, to } of out.get(node) ?? []) {
      if (state.get(to) === "open") {
        const from = stack.findIndex((s) => s.node === to);
        const loop = [...stack.slice(from + 1).map((s) => s.via), index];
        const names = [...stack.slice(from).map((s) => s.node), to];
        loop.forEach((i) => inCycle.add(i));
        issues.error({
          path: ["edges", index],
          message: `连线形成了环：${names.join(" → ")}；数据只能从源节点流向目标节点，请删除环上的一条连线`,
          messageEn: `The edges form a cycle: ${names.join(" → ")}; data flows one way from the source to the target, delete one edge of the cycle`,
        });
      } else if (!state.has(to)) {
        stack.push({ node: to, via: index });
        visit(to);
        stack.pop();
      }
    }
    state.set(node, "done");
  };
  for (const node of d.nodes) {
    if (state.has(node.id)) continue;
    stack.push({ node: node.id, via: -1 });
    visit(node.id);
    stack.pop();
  }
  return inCycle;
}

// ---------------------------------------------------------------------------------------
// Nodes

const EXAMPLE_VARS: TemplateVars = {
  CURRENT_TIME: new Date(0),
  LAST_SYNC_TIME: null,
  PAGINATION_PAGE_SIZE: 50,
  PAGINATION_START_PAGE: 1,
};

/**
 * Checks the node's connection and resolves its platform and API: the APIs of that id and the
 * node's kind (several when they differ by form), none when something is reported.
 */
function resolveApi<K extends ApiMeta["kind"]>(
  node: SchemeNode,
  index: number,
  kind: K,
  catalog: SchemeCatalog,
  issues: Issues,
): Extract<ApiMeta, { kind: K }>[] {
  const path = ["nodes", index, "config"];
  const { config } = node;
  const connector = catalog.connectors.get(config.platform);
  const platformName = connector ? connector.name : config.platform;
  const who = `${kindZh(node)} “${node.id}”`;
  const whoEn = `The ${kindEn(node)} "${node.id}"`;
  if (config.connectionId === "") {
    issues.error({
      path: [...path, "connectionId"],
      nodeId: node.id,
      message: `${who} 还没有选择连接：请选择一个${platformName}连接`,
      messageEn: `${whoEn} has no connection: choose a ${connector?.nameEn ?? config.platform} connection`,
    });
  } else {
    const connection = catalog.connections.get(config.connectionId);
    if (!connection) {
      issues.error({
        path: [...path, "connectionId"],
        nodeId: node.id,
        message: `${who} 所选的连接不存在（可能已被删除）：请重新选择连接`,
        messageEn: `${whoEn} uses a connection that does not exist (it may have been deleted): choose another one`,
      });
    } else if (connection.platform !== config.platform) {
      const name = connection.name ? `“${connection.name}”` : config.connectionId;
      issues.error({
        path: [...path, "connectionId"],
        nodeId: node.id,
        message: `${who} 的连接 ${name} 属于平台 ${catalog.connectors.get(connection.platform)?.name ?? connection.platform}，而节点的平台是 ${platformName}：请选择${platformName}的连接`,
        messageEn: `${whoEn} uses connection ${name} of platform ${connection.platform}, but the node's platform is ${config.platform}: choose a ${config.platform} connection`,
      });
    }
  }
  if (!connector) {
    const known = [...catalog.connectors.values()];
    issues.error({
      path: [...path, "platform"],
      nodeId: node.id,
      message: `${who} ${config.platform === "" ? "还没有选择平台" : `的平台 “${config.platform}” 未知`}：可用的平台有 ${known.map((c) => `${c.platform}（${c.name}）`).join("、")}`,
      messageEn: `${whoEn} ${config.platform === "" ? "has no platform" : `has an unknown platform "${config.platform}"`}: the platforms are ${known.map((c) => c.platform).join(", ")}`,
    });
    return [];
  }
  const sameId = connector.apis.filter((a) => a.id === config.api);
  const ofKind = sameId.filter((a): a is Extract<ApiMeta, { kind: K }> => a.kind === kind);
  const role = kind === "source" ? "读取" : "写入";
  const roleEn = kind === "source" ? "read" : "write";
  if (ofKind.length === 0) {
    const choices = connector.apis.filter((a) => a.kind === kind);
    issues.error({
      path: [...path, "api"],
      nodeId: node.id,
      message:
        (sameId.length > 0
          ? `接口 ${config.api} 不是${role}接口，不能用在${kindZh(node)}`
          : config.api === ""
            ? `${who} 还没有选择接口`
            : `${connector.name} 没有接口 “${config.api}”`) +
        `：${connector.name} 可用的${role}接口有 ${choices.map((a) => `${a.id}（${a.name}）`).join("、") || "（无）"}`,
      messageEn:
        (sameId.length > 0
          ? `${config.api} is not a ${roleEn} API and cannot be used in a ${kindEn(node)}`
          : config.api === ""
            ? `${whoEn} has no API chosen`
            : `${connector.nameEn} has no API "${config.api}"`) +
        `: the ${roleEn} APIs of ${connector.nameEn} are ${choices.map((a) => a.id).join(", ") || "(none)"}`,
    });
  }
  return ofKind;
}

/** The target API for the node's form (the first one when the node names none). */
function pickForm(node: TargetNode, index: number, candidates: TargetApiMeta[], issues: Issues): TargetApiMeta | undefined {
  const { formId, api } = node.config;
  if (formId === undefined || candidates.length === 0) return candidates[0];
  const match = candidates.find((a) => a.formId === formId);
  if (!match) {
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

interface CompiledTemplate {
  template?: Template;
  /** Set when the template has no expressions: its value. */
  constant?: unknown;
}

function compileTemplate(source: string, path: IssuePath, node: SchemeNode, field: string, label: [string, string], issues: Issues): CompiledTemplate {
  const r = parseTemplate(source);
  if (!r.ok) {
    for (const e of r.errors) {
      issues.error({
        path,
        nodeId: node.id,
        field,
        message: `${label[0]}的模板有误：${e.message}`,
        messageEn: `The template of ${label[1]} is invalid: ${e.messageEn}`,
        start: e.start,
        end: e.end,
      });
    }
    return {};
  }
  const refs = templateRefs(r.template);
  const constant = refs.paths.length === 0 && refs.variables.length === 0 ? evaluateTemplate(r.template, { vars: EXAMPLE_VARS }) : undefined;
  return { template: r.template, constant };
}

function checkSource(node: SourceNode, index: number, catalog: SchemeCatalog, issues: Issues): RunPlan["source"] | undefined {
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
    pageSize: config.pageSize,
    idField: config.idField ?? api.idField,
    listKey: config.listKey ?? api.listKey,
  };
}

function checkTarget(
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
    if (sourceApi) checkSourcePaths(template, sourceApi, fieldPath, node, key, issues);
  }
  if (!api) return undefined;
  reportUnsetRequired(api.fields, config.mapping, [...path, "mapping"], node, issues, (f) => [
    `必填字段 ${f.key}（${f.label}）没有映射：请为它填写模板，例如 {{name}} 或一个固定值`,
    `The required field ${f.key} (${f.labelEn}) is not mapped: give it a template such as {{name}} or a constant`,
  ]);
  if (isEmptyValue(config.mapping[api.numberField])) {
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
  };
}

/** Required fields whose template is missing or blank; the path points where it belongs. */
function reportUnsetRequired(
  fields: readonly FieldMeta[],
  templates: Record<string, string>,
  path: IssuePath,
  node: SchemeNode,
  issues: Issues,
  describe: (field: FieldMeta) => [string, string],
): void {
  for (const field of fields) {
    if (!field.required || !isEmptyValue(templates[field.key])) continue;
    const [message, messageEn] = describe(field);
    issues.error({ path: [...path, field.key], nodeId: node.id, field: field.key, message, messageEn });
  }
}

/** Paths the source API does not return: a warning, since sources may return more than documented. */
function checkSourcePaths(template: Template, api: SourceApiMeta, path: IssuePath, node: SchemeNode, key: string, issues: Issues): void {
  for (const ref of templateRefs(template).paths) {
    const [first, second] = ref.segments;
    const field = api.response.find((f) => f.key === first);
    const base = { path, nodeId: node.id, field: key, start: ref.start, end: ref.end };
    if (!field) {
      const asVariable = TEMPLATE_VARIABLES.find((v) => v === ref.text.toUpperCase());
      issues.warning({
        ...base,
        message: asVariable
          ? `源接口 ${api.id} 不返回字段 “${ref.text}”：变量名要大写，是否想写 {{${asVariable}}}？`
          : `源接口 ${api.id}（${api.name}）的返回字段中没有 “${first}”，运行时该值为空：可用的字段有 ${api.response.map((f) => `${f.key}（${f.label}）`).join("、")}`,
        messageEn: asVariable
          ? `Source API ${api.id} returns no field "${ref.text}": variables are upper case, did you mean {{${asVariable}}}?`
          : `Source API ${api.id} does not document a field "${first}", so the value may be empty: the fields are ${api.response.map((f) => f.key).join(", ")}`,
      });
    } else if (second !== undefined && field.type !== "object" && field.type !== "array") {
      issues.warning({
        ...base,
        message: `源字段 ${field.key}（${field.label}）不是对象或数组，没有下级字段 “${second}”`,
        messageEn: `The source field ${field.key} (${field.labelEn}) is not an object or array and has no field "${second}"`,
      });
    }
  }
}
