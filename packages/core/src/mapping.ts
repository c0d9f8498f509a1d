// Turning a source record into a target payload with the plan's parsed templates, and the
// request parameters of a read. Values are coerced to the target field's type only where nothing
// is lost; what cannot be is reported per field, never thrown.
import type { FieldMeta } from "./connector-meta";
import type { RunPlan } from "./compile/plan";
import { evaluateTemplate } from "./template/evaluate";
import { readNumber } from "./template/filters";
import { DATETIME_PATTERN, formatInstant, toInstant } from "./template/time";
import type { TemplateVars } from "./template/types";

export type Coerced = { ok: true; value: unknown } | { ok: false; message: string; messageEn: string };

export interface FieldError {
  field: string;
  message: string;
  messageEn: string;
}

/** No value for a field: missing, null, or text with nothing but whitespace. */
export function isEmptyValue(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function shown(value: unknown): string {
  const text = typeof value === "string" ? value : (safeJson(value) ?? safeString(value));
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function safeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/** String(value), or its tag when it has no way to become text (an object without a prototype). */
function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

export function fieldName(field: FieldMeta): [string, string] {
  return [`${field.key}（${field.label}）`, `${field.key} (${field.labelEn})`];
}

function mismatch(field: FieldMeta, value: unknown, what: string, whatEn: string, hint = "", hintEn = ""): Coerced {
  const [zh, en] = fieldName(field);
  return {
    ok: false,
    message: `字段 ${zh}需要${what}，得到 “${shown(value)}”${hint}`,
    messageEn: `Field ${en} needs ${whatEn}, got "${shown(value)}"${hintEn}`,
  };
}

function parseJsonText(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/**
 * A non-empty value as the field's type, when that loses nothing: "100" → 100 for an integer,
 * 100 → "100" for text, an epoch number → "yyyy-MM-dd HH:mm:ss" (timezone) for a datetime.
 * Base-data fields are text: the user's code; the connector wraps it.
 */
export function coerceToField(value: unknown, field: FieldMeta, timezone?: string): Coerced {
  switch (field.type) {
    case "string":
      if (typeof value === "string") return { ok: true, value };
      if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return { ok: true, value: String(value) };
      // A base-data reference already written as {"FNumber": "100"} goes through as is.
      if (field.baseData && isPlainObject(value)) return { ok: true, value };
      return mismatch(field, value, "文本", "text", "：可用 |json 转为文本，或选择它的下级字段", ": use |json to make it text, or pick a field inside it");
    case "integer":
    case "number": {
      const n = typeof value === "boolean" ? undefined : readNumber(value);
      if (n === undefined) return mismatch(field, value, "数字", "a number");
      if (field.type === "integer" && !Number.isSafeInteger(n)) return mismatch(field, value, "整数", "an integer");
      // Text with more digits than a double holds would be sent as another number (18 digits, or
      // 8 decimals on a large amount): refused like an unsafe integer (session 25's audit).
      if (typeof value === "string" && !sameDecimal(value.trim(), n)) {
        return mismatch(field, value, "能精确表示的数字（最多约 15 位有效数字）", "a number with at most about 15 significant digits");
      }
      return { ok: true, value: n };
    }
    case "boolean": {
      if (typeof value === "boolean") return { ok: true, value };
      const text = typeof value === "string" ? value.trim().toLowerCase() : value;
      if (text === "true" || text === "1" || text === 1) return { ok: true, value: true };
      if (text === "false" || text === "0" || text === 0) return { ok: true, value: false };
      return mismatch(field, value, "是/否（true 或 false）", "true or false");
    }
    case "datetime": {
      // Text goes as it is, if it is a date (not "0000-00-00" or free text, which went to 金蝶 as
      // they were before session 25).
      if (typeof value === "string") {
        return value.trim() === "" || toInstant(value, timezone) !== undefined ? { ok: true, value } : mismatch(field, value, "日期时间", "a date and time");
      }
      const ms = typeof value === "number" || value instanceof Date ? toInstant(value, timezone) : undefined;
      if (ms === undefined) return mismatch(field, value, "日期时间", "a date and time");
      return { ok: true, value: formatInstant(ms, DATETIME_PATTERN, timezone) };
    }
    case "object": {
      const v = typeof value === "string" && value.trim().startsWith("{") ? parseJsonText(value) : value;
      return isPlainObject(v) ? { ok: true, value: v } : mismatch(field, value, "对象", "an object");
    }
    case "array": {
      const v = typeof value === "string" && value.trim().startsWith("[") ? parseJsonText(value) : value;
      return Array.isArray(v) ? { ok: true, value: v } : mismatch(field, value, "数组", "an array");
    }
  }
}

/** A decimal text as sign, digits without leading or trailing zeros, and exponent: "1.50" and "15e-1" alike. */
function decimalKey(text: string): string | undefined {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return undefined;
  const whole = m[2] ?? "";
  const fraction = m[3] ?? "";
  let digits = (whole + fraction).replace(/^0+/, "");
  let exponent = Number(m[4] ?? 0) - fraction.length;
  if (digits === "") return "0";
  const trimmed = digits.replace(/0+$/, "");
  exponent += digits.length - trimmed.length;
  digits = trimmed;
  return `${m[1] === "-" ? "-" : ""}${digits}e${exponent}`;
}

/** Whether `n` is exactly the number `text` writes (no digit lost converting it to a double). */
function sameDecimal(text: string, n: number): boolean {
  const written = decimalKey(text);
  return written === undefined || written === decimalKey(String(n)) || (written === "0" && n === 0);
}

/**
 * The request parameters of a read; a parameter that comes out empty is left out of the request.
 * Datetimes are written in the source's timezone (`source.timezone`: the platform's, e.g. Beijing
 * time for 管易云), never the scheme's: the platform reads them as its own local time.
 */
export function resolveParams(source: RunPlan["source"], vars: TemplateVars): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const [key, template] of Object.entries(source.params)) {
    const value = evaluateTemplate(template, { vars, timezone: source.timezone });
    if (value !== undefined && value !== null && value !== "") params[key] = value;
  }
  return params;
}

/**
 * JSON with object keys sorted at every level, so equal payloads hash equally whatever order
 * their keys were built in. Otherwise JSON.stringify's rules (toJSON, undefined left out).
 */
export function stableStringify(value: unknown): string {
  // A mapped payload is almost always one flat object of strings, numbers and booleans: for it,
  // JSON.stringify with the sorted keys as its allow-list writes exactly what `write` would, about
  // four times faster (the engine hashes every record it reads).
  if (isFlatRecord(value)) return JSON.stringify(value, Object.keys(value).sort());
  return write(value, new Set()) ?? "null";
}

/** A plain object whose values JSON.stringify writes as `write` does (no nesting, no bigint, no toJSON). */
function isFlatRecord(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== null && typeof v === "object") return false;
    if (typeof v === "bigint") return false;
  }
  return true;
}

function write(value: unknown, ancestors: Set<object>): string | undefined {
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    value = (value as { toJSON(): unknown }).toJSON();
  }
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "object": {
      if (value === null) return "null";
      if (ancestors.has(value)) throw new TypeError("stableStringify: the value contains a cycle");
      ancestors.add(value);
      let out: string;
      if (Array.isArray(value)) {
        out = `[${value.map((v: unknown) => write(v, ancestors) ?? "null").join(",")}]`;
      } else {
        const entries: string[] = [];
        for (const key of Object.keys(value).sort()) {
          const v = write((value as Record<string, unknown>)[key], ancestors);
          if (v !== undefined) entries.push(`${JSON.stringify(key)}:${v}`);
        }
        out = `{${entries.join(",")}}`;
      }
      ancestors.delete(value);
      return out;
    }
    default:
      return undefined;
  }
}
