// Lookups (issue #13): `lookup('方案', …)` must name a scheme that exists, by a unique name, and a key
// field its source records have; `erp_lookup` must name a form and a key field. A plan says which
// schemes its lookups read, so the engine resolves their names once per run.
import type { ConnectorMeta, SourceApiMeta } from "../connector-meta";
import { schemeDefinitionSchema, type SchemeDefinition } from "../scheme";
import { templateLookupRefs } from "../template/evaluate";
import { parseTemplate } from "../template/parse";
import type { LookupRef, Template } from "../template/types";
import type { Issues } from "./issues";
import type { LookupSchemeInfo, RunPlan, SchemeCatalog } from "./plan";
import { definitionTemplates } from "./value-maps";

function sourceApiOf(definition: SchemeDefinition, connectors: ReadonlyMap<string, ConnectorMeta>): { api: SourceApiMeta; idField: string } | undefined {
  for (const node of definition.nodes) {
    if (node.type !== "source") continue;
    const api = connectors.get(node.config.platform)?.apis.find((a): a is SourceApiMeta => a.kind === "source" && a.id === node.config.api);
    if (api) return { api, idField: node.config.idField ?? api.idField };
  }
  return undefined;
}

/** The lookup catalog of a set of schemes (name → info), for SchemeCatalog.schemes. */
export function lookupCatalog(
  schemes: readonly { id: string; name: string; definition: unknown }[],
  connectors: ReadonlyMap<string, ConnectorMeta>,
): Map<string, LookupSchemeInfo> {
  const byName = new Map<string, LookupSchemeInfo>();
  for (const s of schemes) {
    const seen = byName.get(s.name);
    if (seen) {
      byName.set(s.name, { ...seen, ids: [...seen.ids, s.id] });
      continue;
    }
    const parsed = schemeDefinitionSchema.safeParse(s.definition);
    const source = parsed.success ? sourceApiOf(parsed.data, connectors) : undefined;
    byName.set(s.name, source ? { ids: [s.id], idField: source.idField, fields: source.api.response.map((f) => f.key) } : { ids: [s.id] });
  }
  return byName;
}

/** Reports lookups naming an unknown or ambiguous scheme, or a key field its source lacks. */
export function checkLookups(d: SchemeDefinition, catalog: SchemeCatalog, issues: Issues): void {
  for (const t of definitionTemplates(d)) {
    const parsed = parseTemplate(t.source);
    if (!parsed.ok) continue;
    for (const { ref, start, end } of templateLookupRefs(parsed.template)) {
      const at = { path: t.path, nodeId: t.nodeId, field: t.field, start, end };
      if (ref.kind === "erp") {
        if (ref.formId.trim() === "" || ref.keyField.trim() === "") {
          issues.error({ ...at, message: "erp_lookup 需要表单和键字段，如 erp_lookup('BD_STOCK', 'FName')", messageEn: "erp_lookup needs a form and a key field, e.g. erp_lookup('BD_STOCK', 'FName')" });
        }
        continue;
      }
      const known = catalog.schemes;
      if (!known) continue;
      const info = known.get(ref.scheme);
      if (!info) {
        const names = [...known.keys()].slice(0, 20);
        issues.error({
          ...at,
          message: `lookup 引用的方案 “${ref.scheme}” 不存在${names.length ? `：已有的方案有 ${names.join("、")}` : ""}`,
          messageEn: `The scheme "${ref.scheme}" named by lookup does not exist${names.length ? `: the schemes are ${names.join(", ")}` : ""}`,
        });
      } else if (info.ids.length > 1) {
        issues.error({
          ...at,
          message: `有 ${info.ids.length} 个方案都叫 “${ref.scheme}”，lookup 无法确定读哪一个：请先给它们改成不同的名称`,
          messageEn: `${info.ids.length} schemes are named "${ref.scheme}", so lookup cannot tell which one to read: rename them apart first`,
        });
      } else if (ref.keyField !== undefined && info.fields && !info.fields.includes(ref.keyField)) {
        issues.error({
          ...at,
          message: `方案 “${ref.scheme}” 的源记录没有字段 ${ref.keyField}：可用作键的字段有 ${info.fields.slice(0, 30).join("、")}`,
          messageEn: `The source records of the scheme "${ref.scheme}" have no field ${ref.keyField}: the fields are ${info.fields.slice(0, 30).join(", ")}`,
        });
      }
    }
  }
}

function planTemplates(plan: Pick<RunPlan, "target">): Template[] {
  const { target } = plan;
  return [...Object.values(target.mapping), ...target.entries.flatMap((e) => [...Object.values(e.mapping), ...(e.filter ? [e.filter] : [])])];
}

/** Every lookup the plan's target templates make (scheme lookups and ERP lookups), deduplicated. */
export function planLookups(plan: Pick<RunPlan, "target">): LookupRef[] {
  const refs = new Map<string, LookupRef>();
  for (const t of planTemplates(plan)) for (const { ref } of templateLookupRefs(t)) refs.set(JSON.stringify(ref), ref);
  return [...refs.values()];
}

/** The names of the schemes a definition's lookups read, sorted (what an export lists). */
export function definitionLookupSchemes(d: SchemeDefinition): string[] {
  const names = new Set<string>();
  for (const t of definitionTemplates(d)) {
    const parsed = parseTemplate(t.source);
    if (parsed.ok) for (const { ref } of templateLookupRefs(parsed.template)) if (ref.kind === "scheme") names.add(ref.scheme);
  }
  return [...names].sort();
}

/** The names of the schemes the plan's lookups read, sorted. */
export function planLookupSchemes(plan: Pick<RunPlan, "target">): string[] {
  return [...new Set(planLookups(plan).flatMap((r) => (r.kind === "scheme" ? [r.scheme] : [])))].sort();
}
