// What a save checks and fills in before it commits, for any document form: formats (numbers,
// booleans, dates), base-data references (looked up, normalised to {"FNumber":…}, reported or left
// empty per IsVerifyBaseDataField), fallbacks, and required keys with the [K7] wordings. In place,
// no I/O; the texts marked (ours) in documents.ts's header are chosen here.
//
// How an error names its place, as kingdee-documents.md § How errors come back says 金蝶 does:
// FieldName is the bare key (never `FEntity[1].FStockID`), and a row's 1-based number is only in
// the message, in the [K7] wording `单据体实体【明细信息】第【2】行分录，…`; a head or sub-head error
// names no place beyond its FieldName. The base-data text itself (`字段“仓库”的值[X]在系统中不存在`)
// is our invention: 金蝶's real text for IsVerifyBaseDataField:true is not public.
import type { BaseData } from "./base-data";
import type { DocumentSaveOptions } from "./documents";
import { isPresent, MSG, refNumber, type FieldSpec, type FormSpec, type RecordError } from "./form-spec";

type Row = Record<string, unknown>;
export type ErrorFactory = (fieldName: string | null, message: string, msgCode: number) => RecordError;

/** The entry rows of a record (objects only). */
export function rowsOf(spec: FormSpec, record: Row): Row[] {
  const rows = spec.entry ? record[spec.entry.key] : undefined;
  return Array.isArray(rows) ? rows.filter(isObject) : [];
}

/** Formats, base-data lookups and fallbacks, in place; returns the format and existence errors. */
export function normaliseModel(spec: FormSpec, baseData: BaseData, record: Row, options: DocumentSaveOptions, error: ErrorFactory): RecordError[] {
  const errors: RecordError[] = [];
  const entry = spec.entry;
  const fields = Object.entries(spec.fields);
  /** `rowPrefix`: the [K7] row wording for a row's field, "" for head and sub-head fields. */
  const one = (container: Row, key: string, field: FieldSpec, rowPrefix: string, head: Row, row: Row | undefined) => {
    // A default fills a key the Model left out; a sent value that resolves to nothing stays empty
    // (Kingdee overwrites the new bill's default with the unresolved, empty reference).
    const sent = container[key] !== undefined && container[key] !== null;
    const problem = normaliseValue(baseData, container, key, field, options);
    if (problem) errors.push(error(key, `${rowPrefix}${problem.message}`, problem.code));
    if (!sent && field.fallback !== undefined) {
      const value = typeof field.fallback === "function" ? (field.fallback as (h: Row, r: Row | undefined) => unknown)(head, row) : field.fallback;
      if (value !== undefined) container[key] = structuredClone(value);
    }
  };
  for (const [key, field] of fields) {
    const at = field.at ?? "head";
    if (at === "FEntity") continue;
    if (at === "head") one(record, key, field, "", record, undefined);
    else {
      const sub = isObject(record[at]) ? (record[at] as Row) : {};
      if (!isObject(record[at]) && record[at] !== undefined && options.validate) errors.push(error(at, `${at} 应为对象。`, MSG.badParameter));
      one(sub, key, field, "", record, undefined);
      if (Object.keys(sub).length > 0) record[at] = sub;
    }
  }
  if (entry && record[entry.key] !== undefined && !Array.isArray(record[entry.key])) {
    errors.push(error(entry.key, `单据体 ${entry.key} 应为数组。`, MSG.badParameter));
    return errors;
  }
  rowsOf(spec, record).forEach((row, i) => {
    for (const [key, field] of fields) if (field.at === "FEntity") one(row, key, field, `${rowWording(entry!.label, i)}，`, record, row);
  });
  return errors;
}

function normaliseValue(baseData: BaseData, container: Row, key: string, field: FieldSpec, options: DocumentSaveOptions): { message: string; code: number } | undefined {
  const value = container[key];
  if (value === undefined || value === null || value === "") return undefined;
  const shown = typeof value === "object" ? JSON.stringify(value) : String(value);
  if (field.ref) {
    if (!isObject(value)) {
      return options.validate ? { message: `字段“${field.label}”是基础资料，值应为 {"FNumber":"编码"}，收到的是“${shown}”。`, code: MSG.badParameter } : undefined;
    }
    const code = refNumber(value);
    if (!code) {
      delete container[key];
      return undefined;
    }
    if (baseData.find(field.ref, code)) {
      container[key] = { FNumber: code };
      return undefined;
    }
    if (options.verifyBaseData) return { message: `字段“${field.label}”的值[${code}]在系统中不存在`, code: MSG.notExist };
    delete container[key];
    return undefined;
  }
  const type = field.type ?? "text";
  if (type === "number") {
    const n = typeof value === "number" ? value : typeof value === "string" ? Number(value.trim()) : NaN;
    if (Number.isFinite(n)) container[key] = n;
    else if (options.validate) return { message: `字段“${field.label}”的值“${shown}”不是数字`, code: MSG.badParameter };
  } else if (type === "bool") {
    const b = typeof value === "boolean" ? value : typeof value === "string" && /^(true|false)$/i.test(value.trim()) ? value.trim().toLowerCase() === "true" : undefined;
    if (b !== undefined) container[key] = b;
    else if (options.validate) return { message: `字段“${field.label}”的值“${shown}”应为 true 或 false`, code: MSG.badParameter };
  } else if (type === "date") {
    const date = normaliseDate(value);
    if (date) container[key] = date;
    else if (options.validate) return { message: `字段“${field.label}”的值“${shown}”不是日期（yyyy-MM-dd）`, code: MSG.badParameter };
  } else if (typeof value === "number" || typeof value === "boolean") container[key] = String(value);
  if (type === "enum" && field.values && options.validate && !Object.hasOwn(field.values, String(container[key]))) {
    return { message: `字段“${field.label}”的值“${shown}”无效，应为 ${Object.keys(field.values).join("、")} 之一`, code: MSG.badParameter };
  }
  return undefined;
}

/** Required keys: the head ones `字段“客户”是必填项`, the row ones with the entity and 1-based row [K7]. */
export function checkRequired(spec: FormSpec, record: Row, error: ErrorFactory): RecordError[] {
  const errors: RecordError[] = [];
  const entry = spec.entry;
  const rows = rowsOf(spec, record);
  for (const key of spec.required) {
    const field = spec.fields[key]!;
    const at = field.at ?? "head";
    if (at === "FEntity") continue;
    const container = at === "head" ? record : isObject(record[at]) ? (record[at] as Row) : {};
    if (!isPresent(container[key])) errors.push(error(key, `字段“${field.label}”是必填项`, MSG.validation));
  }
  if (entry && rows.length === 0) errors.push(error(entry.key, `单据体实体【${entry.label}】至少要有一行分录`, MSG.validation));
  rows.forEach((row, i) => {
    for (const key of spec.required) {
      const field = spec.fields[key]!;
      if (field.at !== "FEntity") continue;
      const where = `${rowWording(entry!.label, i)}，【${field.label}】`;
      if (!isPresent(row[key])) errors.push(error(key, `${where}字段必录`, MSG.validation));
      else if (field.type === "number" && typeof row[key] === "number" && row[key] <= 0) errors.push(error(key, `${where}必须大于0`, MSG.validation));
    }
  });
  return errors;
}

/** The [K7] name of entry row `index` (0-based): `单据体实体【明细信息】第【2】行分录` for index 1. */
function rowWording(entryLabel: string, index: number): string {
  return `单据体实体【${entryLabel}】第【${index + 1}】行分录`;
}

export function isObject(value: unknown): value is Row {
  return !!value && typeof value === "object" && !Array.isArray(value);
}

/** `yyyy-MM-dd`, `yyyy-MM-dd HH:mm:ss` or ISO → `yyyy-MM-ddTHH:mm:ss`, the form ExecuteBillQuery answers with. */
function normaliseDate(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = "00", mi = "00", s = "00"] = m;
  const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  return `${y}-${mo}-${d}T${h}:${mi}:${s}`;
}
