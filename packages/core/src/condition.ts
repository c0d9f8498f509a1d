// A filter node's condition (过滤条件) applied to one source record: each rule reads a template
// against the record and compares it with the rule's value; "all" needs every rule, "any" one.
// How values compare (documented for users in docs/filters.md; docs/decisions.md, session 28):
// - two numbers (or texts that read as plain decimals: 管易云 sends some numbers as text) compare
//   as numbers, exactly (digit by digit, never through a float: two 19-digit 天猫 order numbers
//   that differ in the last digit differ), so "2" equals 2.0 and "10" > "9". A text with a leading
//   zero ("007") or an exponent ("1E3") is a code, not a number: it compares as text;
// - a boolean equals true / 1 / 是 / yes, or false / 0 / 否 / no;
// - two dates or date-times (2026-12-01, 2026/12/1, 2026-12-01 08:00:00, 2026-12-01T08:00) compare
//   in time, as wall-clock times (no time zone); a bare date on either side is the whole day, both
//   sides compare by their day (condition-dates.ts). An impossible date (2026-02-30) is text;
// - anything else compares as text, both sides trimmed; the orderings compare text by code point;
// - a missing value (absent, null, blank text, an empty list) is `empty`, equals nothing, contains
//   nothing and is neither greater nor less than anything;
// - a list value (an array field) is one of / contains when one of its items is.
// A rule's field may use value maps (`{{type_name | map('平台分组')}}`, session 29); a value the map
// cannot map makes the record a failure naming the map (judgeRecord), never a guess.
import type { ConditionRulePlan, FilterPlan } from "./compile/plan";
import { compareWallClocks, wallClockOf } from "./condition-dates";
import type { ConditionOp } from "./scheme";
import { evaluateTemplate } from "./template/evaluate";
import { toText } from "./template/filters";
import type { FieldError } from "./mapping";
import type { MapMiss, TemplateVars, ValueMapData } from "./template/types";

/** The items of an in / notIn value: one per line, or separated by commas (half or full width). */
export function conditionListItems(value: string): string[] {
  return value
    .split(/[\n,，]/)
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

const TRUE_WORDS = new Set(["true", "1", "是", "yes", "y"]);
const FALSE_WORDS = new Set(["false", "0", "否", "no", "n"]);

const isMissing = (v: unknown): boolean =>
  v === undefined || v === null || (typeof v === "string" && v.trim() === "") || (Array.isArray(v) && v.length === 0);

function textOf(value: unknown, timezone: string): string {
  return toText(value, { timezone }).trim();
}

/** A plain decimal: sign, integer digits without leading zeros ("" for 0), fraction digits without trailing zeros. */
interface Decimal {
  negative: boolean;
  int: string;
  frac: string;
}

// No leading zero before another digit (a code such as 007), no exponent (1E3 is an item code).
const PLAIN_DECIMAL = /^([+-]?)(0|[1-9]\d*)(?:\.(\d+))?$/;

/** The value as an exact decimal, or undefined when it is not a number (see the header). */
function decimalOf(value: unknown): Decimal | undefined {
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return undefined;
    text = String(value);
    // 1e21 and 1e-7 print with an exponent: exact enough as the double they are.
    if (/e/i.test(text)) text = value.toFixed(Math.min(20, Math.max(0, -Math.floor(Math.log10(Math.abs(value))) + 15)));
  } else if (typeof value === "string") {
    text = value.trim();
  } else {
    return undefined;
  }
  const m = PLAIN_DECIMAL.exec(text);
  if (!m) return undefined;
  const int = m[2] === "0" ? "" : m[2]!;
  const frac = (m[3] ?? "").replace(/0+$/, "");
  return { negative: m[1] === "-" && (int !== "" || frac !== ""), int, frac };
}

function compareDecimals(a: Decimal, b: Decimal): number {
  if (a.negative !== b.negative) return a.negative ? -1 : 1;
  let magnitude = a.int.length - b.int.length || (a.int < b.int ? -1 : a.int > b.int ? 1 : 0);
  if (magnitude === 0) {
    const width = Math.max(a.frac.length, b.frac.length);
    const x = a.frac.padEnd(width, "0");
    const y = b.frac.padEnd(width, "0");
    magnitude = x < y ? -1 : x > y ? 1 : 0;
  }
  return a.negative ? -Math.sign(magnitude) : Math.sign(magnitude);
}

/**
 * -1, 0 or 1 when both sides are numbers, or else both dates (numbers first: 20261201 is a number),
 * undefined when they compare as text.
 */
function compareTyped(value: unknown, expected: string, timezone: string): number | undefined {
  const a = decimalOf(value);
  const b = decimalOf(expected);
  if (a && b) return compareDecimals(a, b);
  const x = wallClockOf(textOf(value, timezone));
  const y = x && wallClockOf(expected);
  return x && y ? compareWallClocks(x, y) : undefined;
}

/** Whether a single (non-list) value equals the rule's text. */
function same(value: unknown, expected: string, timezone: string): boolean {
  if (isMissing(value)) return false;
  if (typeof value === "boolean") {
    const word = expected.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return value;
    if (FALSE_WORDS.has(word)) return !value;
  }
  const typed = compareTyped(value, expected, timezone);
  if (typed !== undefined) return typed === 0;
  return textOf(value, timezone) === expected.trim();
}

/** -1, 0, 1, or undefined when the two cannot be ordered (a missing value). */
function order(value: unknown, expected: string, timezone: string): number | undefined {
  if (isMissing(value) || Array.isArray(value) || expected.trim() === "") return undefined;
  const typed = compareTyped(value, expected, timezone);
  if (typed !== undefined) return typed;
  const x = textOf(value, timezone);
  const y = expected.trim();
  return x < y ? -1 : x > y ? 1 : 0;
}

const itemsOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

function holds(op: ConditionOp, value: unknown, rule: ConditionRulePlan, timezone: string): boolean {
  switch (op) {
    case "empty":
      return isMissing(value);
    case "notEmpty":
      return !isMissing(value);
    case "eq":
      return Array.isArray(value) ? false : same(value, rule.value, timezone);
    case "ne":
      return !holds("eq", value, rule, timezone);
    case "in":
      return itemsOf(value).some((item) => rule.values.some((v) => same(item, v, timezone)));
    case "notIn":
      return !holds("in", value, rule, timezone);
    case "contains":
      if (isMissing(value)) return false;
      if (Array.isArray(value)) return value.some((item) => same(item, rule.value, timezone));
      return textOf(value, timezone).includes(rule.value.trim());
    case "notContains":
      return !holds("contains", value, rule, timezone);
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      const o = order(value, rule.value, timezone);
      if (o === undefined) return false;
      return op === "gt" ? o > 0 : op === "gte" ? o >= 0 : op === "lt" ? o < 0 : o <= 0;
    }
  }
}

/** Whether the record passes one rule (a rule whose value map cannot map the field's value does not). */
export function ruleHolds(rule: ConditionRulePlan, record: unknown, vars: TemplateVars, timezone: string, maps?: ReadonlyMap<string, ValueMapData>): boolean {
  return judgeRule(rule, 0, record, vars, timezone, maps).holds;
}

/**
 * One rule judged: whether it holds, or, when its field's `map('名称')` cannot map the value (not in
 * the map and no default, or the map is gone), the error that says so: the record cannot be judged.
 * `index` numbers the rule in the error (the first is 0).
 */
function judgeRule(
  rule: ConditionRulePlan,
  index: number,
  record: unknown,
  vars: TemplateVars,
  timezone: string,
  maps: ReadonlyMap<string, ValueMapData> | undefined,
): { holds: boolean; error?: FieldError } {
  const mapMisses: MapMiss[] = [];
  const value = evaluateTemplate(rule.field, { record, vars, timezone, ...(maps && { maps }), mapMisses });
  const [miss] = mapMisses;
  if (!miss) return { holds: holds(rule.op, value, rule, timezone) };
  const n = index + 1;
  const field = `过滤条件 ${n}`;
  return {
    holds: false,
    error: miss.unknownMap
      ? {
          field,
          message: `过滤条件第 ${n} 条使用的值映射 “${miss.map}” 不存在（可能已被删除）：无法判断这条记录；请重新创建它或修改条件 ${rule.field.source}`,
          messageEn: `The value map "${miss.map}" used by condition rule ${n} does not exist (it may have been deleted): the record cannot be judged; create it again or change the condition ${rule.field.source}`,
        }
      : {
          field,
          message: `过滤条件第 ${n} 条：值映射 “${miss.map}” 中没有源值 “${miss.value}”，且该映射没有默认值：无法判断这条记录；请在值映射中添加它，或设置默认值`,
          messageEn: `Condition rule ${n}: the value map "${miss.map}" has no source value "${miss.value}" and no default: the record cannot be judged; add it to the map or give the map a default`,
        },
  };
}

/**
 * The filter's verdict on a record: whether it keeps it (no rules: every record), or the error of
 * the first rule it had to judge whose value map could not map the value (`error`: the record is
 * neither kept nor left out; a run fails it, so that the person fixes the map, as a mapping's map
 * does). Rules are judged in order and stop once the verdict is known: with 且 a rule that fails
 * decides, with 或 one that holds, so a later rule's map is not needed then.
 */
export function judgeRecord(
  filter: FilterPlan,
  record: unknown,
  vars: TemplateVars,
  timezone: string,
  maps?: ReadonlyMap<string, ValueMapData>,
): { passes: boolean; error?: FieldError } {
  const all = filter.match === "all";
  for (const [i, rule] of filter.rules.entries()) {
    const judged = judgeRule(rule, i, record, vars, timezone, maps);
    if (judged.error) return { passes: false, error: judged.error };
    if (judged.holds !== all) return { passes: !all };
  }
  return { passes: all || filter.rules.length === 0 };
}

/**
 * Whether the filter keeps the record (no rules: every record). A record whose verdict needs a value
 * map that cannot map its value counts as kept here (reconciliation expects it: it is not left out);
 * a run fails it instead (judgeRecord).
 */
export function recordPasses(filter: FilterPlan, record: unknown, vars: TemplateVars, timezone: string, maps?: ReadonlyMap<string, ValueMapData>): boolean {
  const judged = judgeRecord(filter, record, vars, timezone, maps);
  return judged.passes || judged.error !== undefined;
}
