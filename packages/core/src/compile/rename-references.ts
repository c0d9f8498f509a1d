// Renaming what templates name. Lookups name schemes (`lookup('店铺→客户', …)`) and `map('仓库对照')`
// names value maps, by the name a person reads: a rename rewrites the name where other schemes'
// templates write it, so what they do stays the same (the reference is to the scheme or the map; the
// name is how it is written). Only the argument is rewritten, in place: the rest of the template,
// its spacing and its other quotes are kept as the person wrote them.
import { schemeDefinitionSchema } from "../scheme";
import { parseTemplate } from "../template/parse";
import type { FilterName } from "../template/types";
import { definitionTemplates } from "./value-maps";

/** What a name names: a scheme (the first argument of `lookup`) or a value map (of `map`). */
export type NamedKind = "scheme" | "valueMap";

const NAMING_FILTER: Record<NamedKind, FilterName> = { scheme: "lookup", valueMap: "map" };

/** `name` as a quoted template literal: single quotes, with `\` and `'` escaped (the scanner's `quoted`). */
export function quoteTemplateLiteral(name: string): string {
  return `'${name.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/**
 * The template with every `lookup` (kind scheme) or `map` (kind valueMap) naming `from` made to
 * name `to`; the same string when it names `from` nowhere (or does not parse: nothing in it runs).
 */
export function renameInTemplate(source: string, kind: NamedKind, from: string, to: string): string {
  const parsed = parseTemplate(source);
  if (!parsed.ok) return source;
  const filter = NAMING_FILTER[kind];
  const spans: { start: number; end: number }[] = [];
  for (const part of parsed.template.parts) {
    if (part.kind !== "expression") continue;
    for (const call of part.filters) {
      const span = call.argSpans[0];
      if (call.name === filter && call.args[0] === from && span) spans.push(span);
    }
  }
  let out = source;
  // From the end, so that the earlier spans' offsets still hold.
  for (const { start, end } of spans.sort((a, b) => b.start - a.start)) out = out.slice(0, start) + quoteTemplateLiteral(to) + out.slice(end);
  return out;
}

/**
 * A stored definition (as JSON: what a version row holds) with `from` renamed to `to` in every
 * template that names it, or undefined when none does (or it is not a definition this version of
 * Qiao reads). The rest of the JSON is kept as stored: nothing is added by the schema's defaults.
 */
export function renameInDefinition(definition: unknown, kind: NamedKind, from: string, to: string): unknown {
  const parsed = schemeDefinitionSchema.safeParse(definition);
  if (!parsed.success) return undefined;
  let copy: unknown;
  for (const t of definitionTemplates(parsed.data)) {
    const renamed = renameInTemplate(t.source, kind, from, to);
    if (renamed === t.source) continue;
    copy ??= structuredClone(definition);
    setAt(copy, t.path, t.source, renamed);
  }
  return copy;
}

/** Sets `path` in `root` to `value` where it holds `was` (the template the parsed definition read there). */
function setAt(root: unknown, path: readonly (string | number)[], was: string, value: string): void {
  let node = root;
  for (const key of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[key];
  const last = path[path.length - 1] as string | number;
  const parent = node as Record<string | number, unknown>;
  if (parent[last] !== was) throw new Error(`renameInDefinition: ${path.join(".")} is not the template the definition's schema read`);
  parent[last] = value;
}
