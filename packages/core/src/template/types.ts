// The parsed form of a template. Plain data (JSON-serialisable), so a run plan can hold it and
// evaluation is a walk over it with nothing left to parse.
import type { DateToken } from "./time";

/** The first path segment that reads the parent record in a row template: `{{$parent.shop_code}}`. */
export const PARENT_SEGMENT = "$parent";

export const TEMPLATE_VARIABLES = ["CURRENT_TIME", "LAST_SYNC_TIME", "PAGINATION_PAGE_SIZE", "PAGINATION_START_PAGE"] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** Values of the built-in variables for one evaluation (one run, one page). */
export interface TemplateVars {
  CURRENT_TIME: Date;
  /** The scheme's cursor; null before the first completed read (then it renders as ""). */
  LAST_SYNC_TIME: Date | null;
  PAGINATION_PAGE_SIZE: number;
  PAGINATION_START_PAGE: number;
}

export interface TemplateContext {
  /** The source record paths are read from; request params have none. */
  record?: unknown;
  /**
   * In a row template (an entry table's row, made from one item of a source list): the whole
   * source record, read as `{{$parent.field}}` while `{{field}}` reads the item.
   */
  parent?: unknown;
  vars: TemplateVars;
  /** IANA name; default Asia/Shanghai. */
  timezone?: string;
  /**
   * The value maps (值映射) the `map('名称')` filter reads, by name. Core does no I/O: whoever
   * evaluates (the engine, once per run) loads the maps the plan uses and passes them here.
   */
  maps?: ReadonlyMap<string, ValueMapData>;
  /**
   * Where `map` reports a value it cannot map (a filter degrades, it never throws). The caller
   * owns the list: mapRecord empties it before each field and turns what it holds into that
   * field's error. Without a list the miss is silent and the value is undefined.
   */
  mapMisses?: MapMiss[];
  /**
   * Answers `lookup` and `erp_lookup` from what the evaluator fetched beforehand (core does no
   * I/O): a key it has not fetched yet is "not known", and is reported in `lookupMisses` so the
   * evaluator can fetch it and evaluate again.
   */
  lookups?: LookupResolver;
  /** Where `lookup` / `erp_lookup` report a key they could not answer (see `mapMisses`). */
  lookupMisses?: LookupMiss[];
}

/**
 * `lookup('方案', 'key field', 'number|id')`: what another scheme wrote for a source key (from our
 * staging). `erp_lookup('FormId', 'key field', 'return field')`: a value read from the target ERP
 * (base data no scheme writes). `keyField` undefined: the scheme's source id field.
 */
export type LookupRef =
  | { kind: "scheme"; scheme: string; keyField: string | undefined; returnField: LookupReturn }
  | { kind: "erp"; formId: string; keyField: string; returnField: string };

/** What `lookup` returns: the target number the scheme wrote (default), or the target's internal id. */
export const LOOKUP_RETURNS = ["number", "id"] as const;
export type LookupReturn = (typeof LOOKUP_RETURNS)[number];

export type LookupAnswer = { known: true; value: string | undefined } | { known: false };

export interface LookupResolver {
  /** `value` undefined: the key is known to have nothing (not written yet, not in the ERP). */
  get(ref: LookupRef, key: string): LookupAnswer;
}

export interface LookupMiss {
  ref: LookupRef;
  key: string;
  /** true: known to have nothing; false: not fetched yet. */
  known: boolean;
}

/** One value map as evaluation reads it. */
export interface ValueMapData {
  entries: ReadonlyMap<string, string>;
  /** Used for a source value the map does not list; without it such a value is an error. */
  default?: string;
}

/** A value `map` could not map: the map is unknown, or the value is not in it and it has no default. */
export interface MapMiss {
  map: string;
  value: string;
  /** The map itself is missing (deleted since the plan was compiled, or not loaded). */
  unknownMap?: boolean;
}

/** Offsets are JavaScript string indexes into the template source (what editors use). */
export interface TemplateSpan {
  start: number;
  end: number;
}

export interface TemplateError extends TemplateSpan {
  /** zh-CN */
  message: string;
  messageEn: string;
}

export interface TextPart extends TemplateSpan {
  kind: "text";
  value: string;
}

export interface PathHead extends TemplateSpan {
  kind: "path";
  /** Keys from the root of the record; array indexes are written as their digits ("0"). */
  segments: string[];
}

export interface VariableHead extends TemplateSpan {
  kind: "variable";
  name: TemplateVariable;
}

export interface FilterCall extends TemplateSpan {
  name: FilterName;
  args: (string | number)[];
  /** Where each argument is written, quotes included (a rename rewrites a name there: renameReferences). */
  argSpans: TemplateSpan[];
  /** The `date` filter's pattern, compiled at parse time. */
  pattern?: DateToken[];
}

export interface ExpressionPart extends TemplateSpan {
  kind: "expression";
  head: PathHead | VariableHead;
  /** Formats (`{{CURRENT_TIME datetime}}`) are stored as the filter of the same name. */
  filters: FilterCall[];
}

export type TemplatePart = TextPart | ExpressionPart;

export interface Template {
  source: string;
  parts: TemplatePart[];
}

export type TemplateParseResult = { ok: true; template: Template } | { ok: false; errors: TemplateError[] };

/** A path or variable the template uses, where it is written. */
export interface TemplateRef extends TemplateSpan {
  /** "shop.items[0].name" for a path, the name for a variable. */
  text: string;
  segments: string[];
}

export const TEMPLATE_FORMATS = ["datetime", "date", "timestamp", "timestamp_ms"] as const;
export type TemplateFormat = (typeof TEMPLATE_FORMATS)[number];

export const FILTER_NAMES = [
  "default",
  "trim",
  "upper",
  "lower",
  "substring",
  "replace",
  "split",
  "join",
  "number",
  "round",
  "string",
  "json",
  "map",
  "lookup",
  "erp_lookup",
  ...TEMPLATE_FORMATS,
] as const;
export type FilterName = (typeof FILTER_NAMES)[number];
