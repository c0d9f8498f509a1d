// What the editor knows about connectors and connections, and small helpers over the definition.
import { templateVariables, type ConnectorMeta, type SchemeDefinition, type SchemeNode, type SourceApiMeta, type SourceNode, type TargetApiMeta, type TargetNode } from "@qiao/core";
import type { ApiIssue, ConnectionDto } from "@/lib/api/schemas";
import type { Suggestion } from "./template-input";

export interface Catalog {
  connectors: ConnectorMeta[];
  connections: ConnectionDto[];
}

export function connectorOf(catalog: Catalog, platform: string): ConnectorMeta | undefined {
  return catalog.connectors.find((c) => c.platform === platform);
}

export function sourceApiOf(catalog: Catalog, node: SourceNode): SourceApiMeta | undefined {
  return connectorOf(catalog, node.config.platform)?.apis.find((a): a is SourceApiMeta => a.kind === "source" && a.id === node.config.api);
}

export function targetApiOf(catalog: Catalog, node: TargetNode): TargetApiMeta | undefined {
  return connectorOf(catalog, node.config.platform)?.apis.find((a): a is TargetApiMeta => a.kind === "target" && a.id === node.config.api);
}

/** The source feeding a target: through an edge, else the only source of the scheme. */
export function upstreamSource(def: SchemeDefinition, targetId: string): SourceNode | undefined {
  const edge = def.edges.find((e) => e.target === targetId);
  const byEdge = edge && def.nodes.find((n) => n.id === edge.source);
  if (byEdge?.type === "source") return byEdge;
  const sources = def.nodes.filter((n): n is SourceNode => n.type === "source");
  return sources.length === 1 ? sources[0] : undefined;
}

export function variableSuggestions(en: boolean, group: string): Suggestion[] {
  return templateVariables.flatMap((v) => {
    const base = { label: en ? v.labelEn : v.label, group };
    return v.name === "CURRENT_TIME" || v.name === "LAST_SYNC_TIME"
      ? [
          { value: `${v.name} datetime`, ...base },
          { value: `${v.name} date`, ...base },
          { value: `${v.name} timestamp`, ...base },
        ]
      : [{ value: v.name, ...base }];
  });
}

export function fieldSuggestions(api: SourceApiMeta | undefined, en: boolean, group: string): Suggestion[] {
  return (api?.response ?? []).map((f) => ({ value: f.key, label: en ? f.labelEn : f.label, group }));
}

const samePath = (path: ApiIssue["path"], prefix: (string | number)[]) => prefix.every((p, k) => path[k] === p);

/** Issues whose path starts with `prefix` (e.g. ["nodes", 1, "config", "mapping", "FName"]). */
export function issuesAt(issues: ApiIssue[], prefix: (string | number)[], exact = false): ApiIssue[] {
  return issues.filter((i) => samePath(i.path, prefix) && (!exact || i.path.length === prefix.length));
}

/** A source API's request parameters with the metadata's presets ({{CURRENT_TIME datetime}} …). */
export function presetParams(api: SourceApiMeta | undefined): Record<string, string> {
  return Object.fromEntries((api?.request ?? []).filter((f) => f.preset).map((f) => [f.key, f.preset!]));
}

/** A fresh node of the API dropped from the palette, with the metadata's presets filled in. */
export function newNode(catalog: Catalog, def: SchemeDefinition, kind: "source" | "target", platform: string, api: string, position: { x: number; y: number }): SchemeNode {
  let id: string = kind;
  for (let k = 2; def.nodes.some((n) => n.id === id); k++) id = `${kind}-${k}`;
  const connector = connectorOf(catalog, platform);
  const meta = connector?.apis.find((a) => a.id === api);
  const connections = catalog.connections.filter((c) => c.platform === platform);
  const connectionId = connections.length === 1 ? connections[0]!.id : "";
  if (kind === "source") {
    const source = meta?.kind === "source" ? meta : undefined;
    return {
      id,
      type: "source",
      position,
      config: {
        connectionId,
        platform,
        api,
        params: presetParams(source),
        pageSize: source?.paging.defaultPageSize ?? 50,
        ...(source && { idField: source.idField, listKey: source.listKey }),
      },
    };
  }
  const target = meta?.kind === "target" ? meta : undefined;
  return {
    id,
    type: "target",
    position,
    config: {
      connectionId,
      platform,
      api,
      ...(target && { formId: target.formId }),
      options: Object.fromEntries(
        (target?.options ?? []).filter((o) => o.key === "IsAutoSubmitAndAudit" || o.key === "IsVerifyBaseDataField").map((o) => [o.key, o.default]),
      ),
      batchSize: target?.batch.defaultSize ?? 100,
      mode: target?.writeModes[0] ?? "create",
      audit: "withSave",
      entries: {},
      mapping: {},
    },
  };
}
