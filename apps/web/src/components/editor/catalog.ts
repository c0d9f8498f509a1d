// What the editor knows about connectors and connections, and small helpers over the definition.
import { isEntryTable, templateVariables, type ConnectorMeta, type FieldMeta, type FilterNode, type SchemeDefinition, type SchemeNode, type SourceApiMeta, type SourceNode, type TargetApiMeta, type TargetNode } from "@qiao/core";
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

/**
 * The target API of the node's form: several target APIs share an id (金蝶 batchSave) and differ by
 * formId; a node without one takes the first, as the compiler does.
 */
export function targetApiOf(catalog: Catalog, node: TargetNode): TargetApiMeta | undefined {
  const apis = connectorOf(catalog, node.config.platform)?.apis.filter((a): a is TargetApiMeta => a.kind === "target" && a.id === node.config.api) ?? [];
  const { formId } = node.config;
  return formId === undefined ? apis[0] : apis.find((a) => a.formId === formId);
}

/** An API's key in pickers: source ids are unique, target ids only with their form. */
export function apiKey(api: ConnectorMeta["apis"][number]): string {
  return api.kind === "target" ? `${api.id}:${api.formId}` : api.id;
}

/**
 * The source whose records reach a node (a filter, a target): up the edges, through a filter, else
 * the only source of the scheme.
 */
export function upstreamSource(def: SchemeDefinition, nodeId: string): SourceNode | undefined {
  const seen = new Set<string>();
  for (let id: string | undefined = nodeId; id !== undefined && !seen.has(id); ) {
    seen.add(id);
    const edge = def.edges.find((e) => e.target === id);
    const from = edge && def.nodes.find((n) => n.id === edge.source);
    if (from?.type === "source") return from;
    id = from?.type === "filter" ? from.id : undefined;
  }
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
  return fieldListSuggestions(api?.response ?? [], en, group);
}

/** Fields as suggestions, nested records' fields too (`delivery_statusInfo.delivery_date`), `prefix` before each. */
function fieldListSuggestions(fields: FieldMeta[], en: boolean, group: string, prefix = ""): Suggestion[] {
  return fields.flatMap((f) => {
    const own = { value: `${prefix}${f.key}`, label: en ? f.labelEn : f.label, group };
    // A list's items are rows, read through an entry table, not as paths of the header.
    const nested = f.type === "object" && f.fields ? fieldListSuggestions(f.fields, en, group, `${own.value}.`) : [];
    return [own, ...nested];
  });
}

/** The lists of a source record that can feed an entry table (发货单 `details`): array fields with item fields. */
export function sourceLists(api: SourceApiMeta | undefined): (FieldMeta & { fields: FieldMeta[] })[] {
  return (api?.response ?? []).filter(isEntryTable);
}

/** The item fields of the source list at `path` ("details"), when the metadata describes it. */
export function listItemFields(api: SourceApiMeta | undefined, path: string): FieldMeta[] | undefined {
  let fields = api?.response;
  let found: FieldMeta | undefined;
  for (const key of path.split(".")) {
    found = fields?.find((f) => f.key === key);
    fields = found?.fields;
  }
  return found && isEntryTable(found) ? found.fields : undefined;
}

/**
 * What a row template can read: the list item's fields (`item_code`) and the header record's as
 * `$parent.shop_code`, then the variables.
 */
export function rowSuggestions(api: SourceApiMeta | undefined, from: string, en: boolean, groups: { item: string; parent: string; variables: string }): Suggestion[] {
  return [
    ...fieldListSuggestions(listItemFields(api, from) ?? [], en, groups.item),
    ...fieldListSuggestions(api?.response ?? [], en, groups.parent, "$parent."),
    ...variableSuggestions(en, groups.variables),
  ];
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

/** A fresh node of the API (and, for a target, the form) dropped from the palette, with the metadata's presets filled in. */
export function newNode(
  catalog: Catalog,
  def: SchemeDefinition,
  kind: "source" | "target",
  platform: string,
  api: string,
  position: { x: number; y: number },
  formId?: string,
): SchemeNode {
  const id = freeId(def, kind);
  const connector = connectorOf(catalog, platform);
  const meta = connector?.apis.find((a) => a.id === api && (formId === undefined || (a.kind === "target" && a.formId === formId)));
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

/** A fresh filter node (过滤条件): every record passes until it has rules. */
export function newFilterNode(def: SchemeDefinition, position: { x: number; y: number }): FilterNode {
  return { id: freeId(def, "filter"), type: "filter", position, config: { match: "all", rules: [] } };
}

/** `source`, `source-2` …: the kind, numbered when the scheme has that id already. */
function freeId(def: SchemeDefinition, kind: SchemeNode["type"]): string {
  let id: string = kind;
  for (let k = 2; def.nodes.some((n) => n.id === id); k++) id = `${kind}-${k}`;
  return id;
}
