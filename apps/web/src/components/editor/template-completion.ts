// What the template field offers at the caret, and what picking an offer writes: source fields
// and variables after `{{` / `<<`, filters after `| `, value maps' names inside `map('`, schemes'
// names inside `lookup('` (as a filter or at the start of an expression). Pure, so it is tested
// without a browser.
import { templateFilters } from "@qiao/core";

export type CompletionKind = "field" | "filter" | "map" | "lookup";

export interface Completion {
  kind: CompletionKind;
  /** Where the text the pick replaces starts (the opener for a field, else the typed name). */
  start: number;
  /** What is typed so far. */
  query: string;
  /** field: "}}" or ">>"; map / lookup: the quote the name is written in. */
  close: string;
  /** lookup written at the start of an expression: `{{lookup('方案', field)}}`. */
  head?: true;
}

// `$` too: row templates read the header record as `$parent.shop_code`.
const OPEN_TOKEN = /(\{\{|<<)\s*([A-Za-z0-9_.$\u4e00-\u9fa5]*)$/;
/** `| map('仓库` before the caret: the quote and the part of a value map's name typed so far. */
const MAP_TOKEN = /\|\s*map\(\s*(['"])([^'"]*)$/;
/** `| lookup('店铺` or `{{lookup('店铺`: the quote and the part of a scheme's name typed so far. */
const LOOKUP_TOKEN = /(\||\{\{|<<)\s*lookup\(\s*(['"])([^'"]*)$/;
/** `| tri` inside an open expression: the filter's name typed so far. */
const FILTER_TOKEN = /\|\s*([A-Za-z_]*)$/;

/** The text of the expression the caret is in (from its opener), or undefined outside one. */
function openExpression(before: string): string | undefined {
  const open = Math.max(before.lastIndexOf("{{"), before.lastIndexOf("<<"));
  if (open < 0) return undefined;
  const inside = before.slice(open);
  if (inside.includes("}}") || inside.includes(">>")) return undefined;
  return inside;
}

/** Whether `text` ends inside a quoted literal (an odd number of unescaped quotes of one kind). */
function inQuotes(text: string): boolean {
  let quote: string | null = null;
  for (const c of text) {
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
  }
  return quote !== null;
}

export function completionAt(text: string, caret: number): Completion | null {
  const before = text.slice(0, caret);
  const expression = openExpression(before);
  if (expression !== undefined) {
    const map = MAP_TOKEN.exec(expression);
    if (map) return { kind: "map", start: caret - map[2]!.length, query: map[2]!, close: map[1]! };
    const lookup = LOOKUP_TOKEN.exec(expression);
    if (lookup) {
      const query = lookup[3]!;
      return { kind: "lookup", start: caret - query.length, query, close: lookup[2]!, ...(lookup[1] !== "|" && { head: true as const }) };
    }
    const filter = FILTER_TOKEN.exec(expression);
    if (filter && !inQuotes(expression)) return { kind: "filter", start: caret - filter[1]!.length, query: filter[1]!, close: "" };
  }
  const m = OPEN_TOKEN.exec(before);
  if (!m) return null;
  return { kind: "field", start: m.index, query: m[2] ?? "", close: m[1] === "<<" ? ">>" : "}}" };
}

/** The text a filter's pick writes: its name, and `(` plus the opening quote when it takes arguments. */
export function filterInsertion(name: string): string {
  const syntax = templateFilters.find((f) => f.name === name)?.syntax ?? name;
  const paren = syntax.indexOf("(");
  if (paren < 0) return name;
  return syntax[paren + 1] === "'" ? `${name}('` : `${name}(`;
}

/** The template after picking `value` for the completion, and where the caret goes. */
export function applyCompletion(text: string, caret: number, c: Completion, value: string): { text: string; caret: number } {
  const after = text.slice(caret);
  let inserted: string;
  let rest: string;
  if (c.kind === "field") {
    const opener = c.close === ">>" ? "<<" : "{{";
    inserted = `${opener}${value}${c.close}`;
    rest = after.replace(/^[^{}<>\s]*\s*(\}\}|>>)/, "");
  } else if (c.kind === "filter") {
    inserted = filterInsertion(value);
    // The rest of a filter name typed after the caret is replaced; what follows it stays.
    rest = after.replace(/^[A-Za-z_]*/, "");
  } else {
    // A name: the rest of the name after the caret and its closing quote are replaced; `)` (or, at
    // the start of an expression, the `, ` before the field) is added unless the text has it.
    rest = after.replace(/^[^'"\s)}>|,]*['"]?/, "");
    const continues = /^\s*[,)]/.test(rest);
    inserted = `${value}${c.close}${continues ? "" : c.head ? ", " : ")"}`;
  }
  return { text: text.slice(0, c.start) + inserted + rest, caret: c.start + inserted.length };
}
