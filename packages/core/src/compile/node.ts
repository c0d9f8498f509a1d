// What source and target nodes check alike: their connection, platform and API, their
// templates, and the required keys left unset.
import type { ApiMeta, FieldMeta } from "../connector-meta";
import { isEmptyValue } from "../mapping";
import type { SchemeNode, SourceNode, TargetNode } from "../scheme";
import { evaluateTemplate, templateRefs } from "../template/evaluate";
import { parseTemplate } from "../template/parse";
import type { Template, TemplateVars } from "../template/types";
import { kindEn, kindZh, type Issues } from "./issues";
import type { IssuePath, SchemeCatalog } from "./plan";

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
export function resolveApi<K extends ApiMeta["kind"]>(
  node: SourceNode | TargetNode,
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

interface CompiledTemplate {
  template?: Template;
  /** Set when the template has no expressions: its value. */
  constant?: unknown;
}

export function compileTemplate(source: string, path: IssuePath, node: SchemeNode, field: string, label: [string, string], issues: Issues): CompiledTemplate {
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

/** Required fields whose template is missing or blank; the path points where it belongs. */
export function reportUnsetRequired(
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
