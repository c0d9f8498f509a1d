// Value maps (值映射) named by `map('名称')` filters (in mappings and in a filter node's rules): each must exist when the scheme is saved
// (the catalog lists the names), and a plan says which ones it uses so the engine loads only
// those, once per run.
import type { SchemeDefinition } from "../scheme";
import { templateMapRefs } from "../template/evaluate";
import { parseTemplate } from "../template/parse";
import type { Template } from "../template/types";
import type { Issues } from "./issues";
import type { IssuePath, RunPlan, SchemeCatalog } from "./plan";

/** Every template of the definition with its path (templates that do not parse are reported elsewhere). */
export function* definitionTemplates(d: SchemeDefinition): Generator<{ path: IssuePath; nodeId: string; field: string; source: string }> {
  for (const [index, node] of d.nodes.entries()) {
    const base = ["nodes", index, "config"];
    if (node.type === "source") {
      for (const [key, source] of Object.entries(node.config.params)) yield { path: [...base, "params", key], nodeId: node.id, field: key, source };
      continue;
    }
    // A filter node's rule fields may use value maps (not lookups: checkFilter refuses those).
    if (node.type === "filter") {
      for (const [i, rule] of node.config.rules.entries()) yield { path: [...base, "rules", i, "field"], nodeId: node.id, field: `rules[${i}]`, source: rule.field };
      continue;
    }
    for (const [key, source] of Object.entries(node.config.mapping)) yield { path: [...base, "mapping", key], nodeId: node.id, field: key, source };
    for (const [key, entry] of Object.entries(node.config.entries)) {
      if (entry.filter.trim() !== "") yield { path: [...base, "entries", key, "filter"], nodeId: node.id, field: key, source: entry.filter };
      for (const [rowKey, source] of Object.entries(entry.mapping)) {
        yield { path: [...base, "entries", key, "mapping", rowKey], nodeId: node.id, field: rowKey, source };
      }
    }
  }
}

/** Reports each `map('名称')` whose map does not exist. Skipped when the catalog does not list maps. */
export function checkValueMaps(d: SchemeDefinition, catalog: SchemeCatalog, issues: Issues): void {
  const known = catalog.valueMaps;
  if (!known) return;
  for (const t of definitionTemplates(d)) {
    const parsed = parseTemplate(t.source);
    if (!parsed.ok) continue;
    for (const ref of templateMapRefs(parsed.template)) {
      if (known.has(ref.name)) continue;
      const names = [...known].slice(0, 20);
      issues.error({
        path: t.path,
        nodeId: t.nodeId,
        field: t.field,
        message: `值映射 “${ref.name}” 不存在：请先在 值映射 页面创建它，或改用已有的${names.length ? `：${names.join("、")}` : "（目前没有值映射）"}`,
        messageEn: `The value map "${ref.name}" does not exist: create it on the Value maps page first, or use an existing one${names.length ? `: ${names.join(", ")}` : " (there are none yet)"}`,
        start: ref.start,
        end: ref.end,
      });
    }
  }
}

/** The names of the value maps a definition's templates name (what a scheme export carries), sorted. */
export function definitionValueMaps(d: SchemeDefinition): string[] {
  const names = new Set<string>();
  for (const t of definitionTemplates(d)) {
    const parsed = parseTemplate(t.source);
    if (parsed.ok) for (const ref of templateMapRefs(parsed.template)) names.add(ref.name);
  }
  return [...names].sort();
}

/** The names of the value maps the plan's target templates and filter rules use (what a run must load), sorted. */
export function planValueMaps(plan: Pick<RunPlan, "target"> & Partial<Pick<RunPlan, "filter">>): string[] {
  const { target } = plan;
  const templates: Template[] = [
    ...Object.values(target.mapping),
    ...target.entries.flatMap((e) => [...Object.values(e.mapping), ...(e.filter ? [e.filter] : [])]),
    ...(plan.filter?.rules.map((r) => r.field) ?? []),
  ];
  const names = new Set(templates.flatMap((t) => templateMapRefs(t).map((r) => r.name)));
  return [...names].sort();
}
