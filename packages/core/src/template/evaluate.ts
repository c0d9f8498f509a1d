// Evaluation is a walk over the parsed tree: no parsing, no regular expressions, and no throwing
// whatever the record holds.
import { FILTERS, toText, type EvalEnv } from "./filters";
import { DATETIME_PATTERN, formatInstant, toInstant } from "./time";
import { PARENT_SEGMENT, type ExpressionPart, type LookupRef, type PathHead, type Template, type TemplateContext, type TemplateRef, type TemplateVars, type VariableHead } from "./types";

const hasOwn = Object.prototype.hasOwnProperty;

function readPath(ctx: TemplateContext, head: PathHead): unknown {
  const { segments } = head;
  // `$parent.x` reads the parent record of a row template; outside rows it reads nothing.
  const fromParent = segments[0] === PARENT_SEGMENT;
  let current = fromParent ? ctx.parent : ctx.record;
  for (let k = fromParent ? 1 : 0; k < segments.length; k++) {
    const key = segments[k]!;
    // Own properties only: `{{constructor}}` must not reach into prototypes.
    if (typeof current !== "object" || current === null || !hasOwn.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function readVariable(vars: TemplateVars | undefined, head: VariableHead): unknown {
  const value: unknown = vars?.[head.name];
  // The first run has no cursor: LAST_SYNC_TIME reads as "" so the parameter is left out.
  if (head.name === "LAST_SYNC_TIME" && (value === null || value === undefined)) return "";
  return value;
}

/** A Date left at the end of an expression reads as datetime in the scheme's timezone. */
function settle(value: unknown, env: EvalEnv): unknown {
  if (!(value instanceof Date)) return value;
  const ms = toInstant(value, env.timezone);
  return ms === undefined ? undefined : formatInstant(ms, DATETIME_PATTERN, env.timezone);
}

function evaluateExpression(part: ExpressionPart, ctx: TemplateContext, env: EvalEnv): unknown {
  // Records are arbitrary values: a getter or a toJSON of a value that did not come from JSON
  // may throw, and one bad field must not fail the run.
  try {
    let value = part.head.kind === "path" ? readPath(ctx, part.head) : readVariable(ctx.vars, part.head);
    for (const call of part.filters) value = FILTERS[call.name].apply(value, call, env);
    return settle(value, env);
  } catch {
    return undefined;
  }
}

/**
 * The value of a template for one record. One expression alone keeps the type of its value;
 * text with expressions makes a string (missing values read as ""); plain text is itself.
 */
export function evaluateTemplate(t: Template, ctx: TemplateContext): unknown {
  const env: EvalEnv = { timezone: ctx.timezone, maps: ctx.maps, mapMisses: ctx.mapMisses, lookups: ctx.lookups, lookupMisses: ctx.lookupMisses };
  const { parts } = t;
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only) return only.kind === "text" ? only.value : evaluateExpression(only, ctx, env);
  let out = "";
  for (const part of parts) out += part.kind === "text" ? part.value : toText(evaluateExpression(part, ctx, env), env);
  return out;
}

const IDENTIFIER = /^[\p{L}\p{N}_$-]+$/u;

/** A path as a person writes it: shop.items[0].name, ["first name"]. */
export function formatPath(segments: readonly string[]): string {
  let out = "";
  for (const key of segments) {
    if (key !== "" && [...key].every((c) => c >= "0" && c <= "9")) out += `[${key}]`;
    else if (IDENTIFIER.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** The value maps a template's `map('…')` filters name, where each is written. */
export function templateMapRefs(t: Template): { name: string; start: number; end: number }[] {
  const refs: { name: string; start: number; end: number }[] = [];
  for (const part of t.parts) {
    if (part.kind !== "expression") continue;
    for (const call of part.filters) {
      if (call.name === "map" && typeof call.args[0] === "string") refs.push({ name: call.args[0], start: call.start, end: call.end });
    }
  }
  return refs;
}

/** The `lookup` / `erp_lookup` calls of a template, where each is written. */
export function templateLookupRefs(t: Template): { ref: LookupRef; start: number; end: number }[] {
  const refs: { ref: LookupRef; start: number; end: number }[] = [];
  for (const part of t.parts) {
    if (part.kind !== "expression") continue;
    for (const call of part.filters) {
      const [a, b, c] = call.args.map((x) => String(x));
      if (call.name === "lookup") {
        const keyField = b?.trim() ? b : undefined;
        refs.push({ ref: { kind: "scheme", scheme: a ?? "", keyField, returnField: c === "id" ? "id" : "number" }, start: call.start, end: call.end });
      } else if (call.name === "erp_lookup") {
        refs.push({ ref: { kind: "erp", formId: a ?? "", keyField: b ?? "", returnField: c ?? "FNumber" }, start: call.start, end: call.end });
      }
    }
  }
  return refs;
}

/** The paths and variables a template uses, where they are written. */
export function templateRefs(t: Template): { paths: TemplateRef[]; variables: TemplateRef[] } {
  const paths: TemplateRef[] = [];
  const variables: TemplateRef[] = [];
  for (const part of t.parts) {
    if (part.kind !== "expression") continue;
    const { head } = part;
    if (head.kind === "path") paths.push({ text: formatPath(head.segments), segments: head.segments, start: head.start, end: head.end });
    else variables.push({ text: head.name, segments: [head.name], start: head.start, end: head.end });
  }
  return { paths, variables };
}
