// The filters of the template language. Each one accepts any value and degrades instead of
// throwing: undefined and null pass through (so `default` can follow), values of a type the
// filter cannot use come out unchanged or undefined as documented per filter.
import { DATE_PATTERN, DATETIME_PATTERN, formatInstant, toInstant } from "./time";
import { LOOKUP_RETURNS, type FilterCall, type FilterName, type LookupMiss, type LookupRef, type LookupResolver, type LookupReturn, type MapMiss, type TemplateFormat, type ValueMapData } from "./types";

export interface EvalEnv {
  timezone: string | undefined;
  maps?: ReadonlyMap<string, ValueMapData> | undefined;
  mapMisses?: MapMiss[] | undefined;
  lookups?: LookupResolver | undefined;
  lookupMisses?: LookupMiss[] | undefined;
}

type ArgType = "string" | "number" | "any";

interface FilterSpec {
  /** Types of the arguments; the ones from `required` on are optional. */
  args: ArgType[];
  required: number;
  syntax: string;
  /** The syntax in English, when `syntax` names its arguments in Chinese. */
  syntaxEn?: string;
  description: string;
  descriptionEn: string;
  apply(value: unknown, call: FilterCall, env: EvalEnv): unknown;
}

const isMissing = (v: unknown): v is null | undefined => v === undefined || v === null;

/** How a value reads inside text: dates in the scheme's timezone, objects as JSON, nothing as "". */
export function toText(value: unknown, env: EvalEnv): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "boolean":
    case "bigint":
      return String(value);
    case "undefined":
      return "";
    case "object": {
      if (value === null) return "";
      if (value instanceof Date) {
        const ms = toInstant(value, env.timezone);
        return ms === undefined ? "" : formatInstant(ms, DATETIME_PATTERN, env.timezone);
      }
      return toJson(value) ?? "";
    }
    default:
      return "";
  }
}

function toJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    // BigInt or a cycle in a value that did not come from JSON.
    return undefined;
  }
}

/** Strings become text through `fn`; other scalars are read as text first; the rest pass through. */
function onText(value: unknown, env: EvalEnv, fn: (s: string) => unknown): unknown {
  if (isMissing(value) || (typeof value === "object" && !(value instanceof Date))) return value;
  return fn(toText(value, env));
}

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A number from a number or a decimal string; no hex, no "Infinity", no empty string. */
export function readNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string") {
    const s = value.trim();
    return DECIMAL.test(s) ? Number(s) : undefined;
  }
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return toInstant(value, undefined);
  return undefined;
}

function roundHalfAwayFromZero(x: number, digits: number): number {
  const sign = x < 0 ? -1 : 1;
  // Shifting through the decimal exponent avoids 1.005 * 100 = 100.49999….
  const shifted = Math.round(Number(`${Math.abs(x)}e${digits}`));
  const back = Number(`${shifted}e${-digits}`);
  const fallbackFactor = 10 ** digits;
  return sign * (Number.isFinite(back) ? back : Math.round(Math.abs(x) * fallbackFactor) / fallbackFactor);
}

function dateFilter(format: TemplateFormat, syntax: string, description: string, descriptionEn: string): FilterSpec {
  return {
    args: format === "date" ? ["string"] : [],
    required: 0,
    syntax,
    description,
    descriptionEn,
    apply(value, call, env) {
      if (isMissing(value) || value === "") return value;
      const ms = toInstant(value, env.timezone);
      if (ms === undefined) return undefined;
      switch (format) {
        case "timestamp":
          return Math.floor(ms / 1000);
        case "timestamp_ms":
          return ms;
        case "datetime":
          return formatInstant(ms, DATETIME_PATTERN, env.timezone);
        case "date":
          return formatInstant(ms, call.pattern ?? DATE_PATTERN, env.timezone);
      }
    },
  };
}

const int = (arg: string | number | undefined, fallback: number): number =>
  typeof arg === "number" ? Math.trunc(arg) : fallback;
const str = (arg: string | number | undefined, fallback: string): string => (arg === undefined ? fallback : String(arg));

const optionalArg = (arg: string | number | undefined): string | undefined => (arg === undefined || String(arg).trim() === "" ? undefined : String(arg));

const lookupReturn = (arg: string | number | undefined): LookupReturn =>
  (LOOKUP_RETURNS as readonly string[]).includes(String(arg)) ? (String(arg) as LookupReturn) : "number";

/** `lookup` / `erp_lookup`: the resolver's answer, or a miss the evaluator fetches (or waits for). */
function lookUp(value: unknown, env: EvalEnv, ref: LookupRef): unknown {
  // Missing passes through (a required field then reports it empty); objects cannot be keys.
  if (isMissing(value) || (typeof value === "object" && !(value instanceof Date))) return value;
  const key = toText(value, env);
  if (key === "") return undefined;
  const answer = env.lookups?.get(ref, key) ?? { known: false };
  if (answer.known && answer.value !== undefined) return answer.value;
  env.lookupMisses?.push({ ref, key, known: answer.known });
  return undefined;
}

export const FILTERS: Record<FilterName, FilterSpec> = {
  default: {
    args: ["any"],
    required: 1,
    syntax: "default('值')",
    syntaxEn: "default('value')",
    description: "值为空（缺失、null 或空字符串）时使用给定的值",
    descriptionEn: "Use the given value when the value is empty (missing, null or \"\")",
    apply: (value, call) => (isMissing(value) || value === "" ? call.args[0] : value),
  },
  trim: {
    args: [],
    required: 0,
    syntax: "trim",
    description: "去掉首尾空白",
    descriptionEn: "Remove leading and trailing whitespace",
    apply: (value, _call, env) => onText(value, env, (s) => s.trim()),
  },
  upper: {
    args: [],
    required: 0,
    syntax: "upper",
    description: "转为大写",
    descriptionEn: "Upper case",
    apply: (value, _call, env) => onText(value, env, (s) => s.toUpperCase()),
  },
  lower: {
    args: [],
    required: 0,
    syntax: "lower",
    description: "转为小写",
    descriptionEn: "Lower case",
    apply: (value, _call, env) => onText(value, env, (s) => s.toLowerCase()),
  },
  substring: {
    args: ["number", "number"],
    required: 1,
    syntax: "substring(开始, 结束?)",
    syntaxEn: "substring(start, end?)",
    description: "截取文本：从第 开始 个字符（0 起）到 结束 之前；负数从末尾倒数",
    descriptionEn: "Part of the text from index start (0-based) up to end; negative counts from the end",
    // By characters (code points), as documented: UTF-16 units would cut an emoji or a CJK
    // Extension-B character (𠀀) in half and write a lone surrogate (session 25's audit).
    apply: (value, call, env) =>
      onText(value, env, (s) => {
        const chars = /[\uD800-\uDFFF]/.test(s) ? Array.from(s) : s;
        const part = chars.slice(int(call.args[0], 0), call.args[1] === undefined ? undefined : int(call.args[1], chars.length));
        return typeof part === "string" ? part : part.join("");
      }),
  },
  replace: {
    args: ["any", "any"],
    required: 2,
    syntax: "replace('查找', '替换为')",
    syntaxEn: "replace('search', 'replacement')",
    description: "把文本中出现的每一处 查找 换成 替换为（按原文匹配，不是正则）",
    descriptionEn: "Replace every occurrence of the search text (literal, not a regular expression)",
    apply: (value, call, env) => {
      const search = str(call.args[0], "");
      return onText(value, env, (s) => (search === "" ? s : s.split(search).join(str(call.args[1], ""))));
    },
  },
  split: {
    args: ["string"],
    required: 0,
    syntax: "split(',')",
    description: "按分隔符拆成数组（默认逗号）",
    descriptionEn: "Split into an array at the separator (default \",\")",
    apply: (value, call, env) => onText(value, env, (s) => (s === "" ? [] : s.split(str(call.args[0], ",")))),
  },
  join: {
    args: ["string"],
    required: 0,
    syntax: "join(',')",
    description: "把数组用分隔符连成文本（默认逗号）",
    descriptionEn: "Join an array into text with the separator (default \",\")",
    apply: (value, call, env) =>
      Array.isArray(value) ? value.map((v: unknown) => toText(v, env)).join(str(call.args[0], ",")) : value,
  },
  number: {
    args: [],
    required: 0,
    syntax: "number",
    description: "转为数字；不是数字的值变为空",
    descriptionEn: "Convert to a number; a value that is not a number becomes empty",
    apply: (value) => (isMissing(value) ? value : readNumber(value)),
  },
  round: {
    args: ["number"],
    required: 0,
    syntax: "round(小数位数?)",
    syntaxEn: "round(decimals?)",
    description: "四舍五入到给定的小数位数（默认 0）",
    descriptionEn: "Round half away from zero to the given number of decimals (default 0)",
    apply: (value, call) => {
      if (isMissing(value)) return value;
      const n = readNumber(value);
      return n === undefined ? undefined : roundHalfAwayFromZero(n, Math.min(Math.max(int(call.args[0], 0), 0), 15));
    },
  },
  string: {
    args: [],
    required: 0,
    syntax: "string",
    description: "转为文本（对象转为 JSON，空值转为空字符串）",
    descriptionEn: "Convert to text (objects as JSON, empty values as \"\")",
    apply: (value, _call, env) => toText(value, env),
  },
  json: {
    args: [],
    required: 0,
    syntax: "json",
    description: "转为 JSON 文本",
    descriptionEn: "Convert to JSON text",
    apply: (value) => (value === undefined ? undefined : toJson(value)),
  },
  map: {
    args: ["string"],
    required: 1,
    syntax: "map('值映射名称')",
    syntaxEn: "map('value map name')",
    description: "按值映射表把源值换成目标值；表中没有且没有默认值时，该记录报错（写明表名和值）",
    descriptionEn: "Replace the value through a value map; a value the map lacks (and no default) fails the record, naming the map and the value",
    apply: (value, call, env) => {
      // Missing passes through (so `default` can follow and a required field reports it empty);
      // "" is a value like any other: a map may list it.
      if (isMissing(value) || (typeof value === "object" && !(value instanceof Date))) return value;
      const name = str(call.args[0], "");
      const text = toText(value, env);
      const table = env.maps?.get(name);
      if (!table) {
        env.mapMisses?.push({ map: name, value: text, unknownMap: true });
        return undefined;
      }
      const mapped = table.entries.get(text);
      if (mapped !== undefined) return mapped;
      if (table.default !== undefined) return table.default;
      env.mapMisses?.push({ map: name, value: text });
      return undefined;
    },
  },
  lookup: {
    args: ["string", "string", "string"],
    required: 1,
    syntax: "lookup('方案名称', '键字段', 'number|id')",
    syntaxEn: "lookup('scheme name', 'key field', 'number|id')",
    description:
      "取另一个方案为这个源键写入的目标编码（默认按那个方案的源主键匹配，返回 number=目标编码，或 id=目标内码）；还没写入时记录等待依赖，不会带空引用发送",
    descriptionEn:
      "The target number another scheme wrote for this source key (matched on that scheme's source id unless a key field is given; returns number, or id for the target's internal id); until it is written the record waits instead of being sent with an empty reference",
    apply: (value, call, env) => lookUp(value, env, { kind: "scheme", scheme: str(call.args[0], ""), keyField: optionalArg(call.args[1]), returnField: lookupReturn(call.args[2]) }),
  },
  erp_lookup: {
    args: ["string", "string", "string"],
    required: 2,
    syntax: "erp_lookup('表单', '键字段', '返回字段')",
    syntaxEn: "erp_lookup('form', 'key field', 'returned field')",
    description: "到目标 ERP 中查基础资料（如 erp_lookup('BD_STOCK', 'FName') 按仓库名称查 FNumber）；每次运行、每个连接缓存；查不到时该记录报错",
    descriptionEn:
      "Read base data from the target ERP (e.g. erp_lookup('BD_STOCK', 'FName') finds a warehouse's FNumber by name); cached per run and per connection; a key the ERP lacks fails the record",
    apply: (value, call, env) => lookUp(value, env, { kind: "erp", formId: str(call.args[0], ""), keyField: str(call.args[1], ""), returnField: str(call.args[2], "FNumber") }),
  },
  datetime: dateFilter("datetime", "datetime", "格式化为 yyyy-MM-dd HH:mm:ss", "Format as yyyy-MM-dd HH:mm:ss"),
  date: dateFilter(
    "date",
    "date('yyyy-MM-dd')",
    "格式化日期；不写格式时为 yyyy-MM-dd，可用 yyyy MM dd HH mm ss SSS",
    "Format a date; yyyy-MM-dd unless a pattern (yyyy MM dd HH mm ss SSS) is given",
  ),
  timestamp: dateFilter("timestamp", "timestamp", "转为时间戳（秒）", "Unix timestamp in seconds"),
  timestamp_ms: dateFilter("timestamp_ms", "timestamp_ms", "转为时间戳（毫秒）", "Unix timestamp in milliseconds"),
};
