// One source record → one target payload, with the plan's parsed templates: the head fields, then
// each entry table's rows, one per kept item of its source list. Errors are reported per field
// (rows as `FEntity[3].FMaterialID`, 1-based like Kingdee's own row numbers), never thrown.
import type { FieldMeta } from "./connector-meta";
import type { EntryPlan, RunPlan } from "./compile/plan";
import { coerceToField, fieldName, isEmptyValue, type FieldError } from "./mapping";
import { SCHEME_LIMITS } from "./scheme";
import { evaluateTemplate, formatPath } from "./template/evaluate";
import type { LookupMiss, LookupRef, LookupResolver, MapMiss, Template, TemplateVars, ValueMapData } from "./template/types";

/** A field whose `lookup` found nothing yet: the record waits for `scheme` to write `key`. */
export interface LookupWait {
  field: string;
  scheme: string;
  key: string;
  /** The looked-up scheme's key field (`lookup('方案', key, 'code')`); absent: its source id. */
  keyField?: string;
}

/** What one source record maps to. */
export interface MappedRecord {
  payload: Record<string, unknown>;
  errors: FieldError[];
  /** Lookups known to have nothing yet (the record waits: 等待依赖), when there are no errors. */
  waits: LookupWait[];
  /** Lookups the resolver has not fetched: fetch them and map the record again (until then, each is also an error: the record is not to be sent). */
  unresolved: { ref: LookupRef; key: string }[];
}

const fieldIndexes = new WeakMap<readonly FieldMeta[], Map<string, FieldMeta>>();

function fieldIndex(fields: readonly FieldMeta[]): Map<string, FieldMeta> {
  let index = fieldIndexes.get(fields);
  if (!index) {
    index = new Map(fields.map((f) => [f.key, f]));
    fieldIndexes.set(fields, index);
  }
  return index;
}

interface Scope {
  record: unknown;
  parent?: unknown;
  vars: TemplateVars;
  timezone: string;
  maps?: ReadonlyMap<string, ValueMapData>;
  /** Emptied before each template; what `map` could not map while evaluating it. */
  mapMisses: MapMiss[];
  lookups?: LookupResolver;
  /** Emptied before each template; what `lookup` / `erp_lookup` could not answer. */
  lookupMisses: LookupMiss[];
  waits: LookupWait[];
  unresolved: { ref: LookupRef; key: string }[];
}

/** A template's value; the values it could not map become errors of `field` (see TemplateContext.mapMisses). */
function evaluate(template: Template, scope: Scope, field: string, at: string, errors: FieldError[]): { value: unknown; ok: boolean } {
  scope.mapMisses.length = 0;
  scope.lookupMisses.length = 0;
  const value = evaluateTemplate(template, scope);
  if (scope.mapMisses.length === 0 && scope.lookupMisses.length === 0) return { value, ok: true };
  const where = at ? `${at.slice(0, -1)} 的` : "";
  const whereEn = at ? ` of ${at.slice(0, -1)}` : "";
  for (const miss of scope.lookupMisses) {
    if (!miss.known) {
      // Not fetched: the caller fetches it and maps again (the engine's warm()). Mapped as is, the
      // record fails rather than go out without the field (session 18: it was sent without it and
      // counted as written, and later runs skipped it for good).
      scope.unresolved.push({ ref: miss.ref, key: miss.key });
      const call = miss.ref.kind === "scheme" ? `lookup('${miss.ref.scheme}')` : `erp_lookup('${miss.ref.formId}', '${miss.ref.keyField}')`;
      errors.push({
        field: at + field,
        message: `${where}字段 ${field}：${call} 对 “${miss.key}” 的查找结果在映射时还没有取得（模板 ${template.source}），这条记录没有发送：请重试失败记录；若反复出现，请减少模板中查找套查找的层数`,
        messageEn: `Field ${field}${whereEn}: the answer of ${call} for "${miss.key}" was not fetched when the record was mapped (template ${template.source}), so the record was not sent: retry it; if this repeats, nest fewer lookups in the template`,
      });
    } else if (miss.ref.kind === "scheme") {
      scope.waits.push({ field: at + field, scheme: miss.ref.scheme, key: miss.key, ...(miss.ref.keyField !== undefined && { keyField: miss.ref.keyField }) });
    }
    else {
      errors.push({
        field: at + field,
        message: `${where}字段 ${field}：目标 ERP 的 ${miss.ref.formId} 中没有 ${miss.ref.keyField} 为 “${miss.key}” 的数据（模板 ${template.source}）：请先在 ERP 中建立它，或修改模板`,
        messageEn: `Field ${field}${whereEn}: the target ERP's ${miss.ref.formId} has no ${miss.ref.keyField} "${miss.key}" (template ${template.source}): create it in the ERP first, or change the template`,
      });
    }
  }
  scope.lookupMisses.length = 0;
  for (const miss of scope.mapMisses) {
    errors.push(
      miss.unknownMap
        ? {
            field: at + field,
            message: `${where}字段 ${field} 使用的值映射 “${miss.map}” 不存在（可能已被删除）：请重新创建它或修改模板 ${template.source}`,
            messageEn: `The value map "${miss.map}" used by the field ${field}${whereEn} does not exist (it may have been deleted): create it again or change the template ${template.source}`,
          }
        : {
            field: at + field,
            message: `${where}字段 ${field}：值映射 “${miss.map}” 中没有源值 “${miss.value}”，且该映射没有默认值：请在值映射中添加它，或设置默认值`,
            messageEn: `Field ${field}${whereEn}: the value map "${miss.map}" has no source value "${miss.value}" and no default: add it to the map or give the map a default`,
          },
    );
  }
  scope.mapMisses.length = 0;
  return { value, ok: false };
}

/**
 * Evaluates `mapping` into `payload`. A field whose value is missing or null is left out (so an
 * upsert does not blank it); "" is kept for text fields (it clears them) and left out for other
 * types; a required field without a value is an error. `at` prefixes error fields (a row's path).
 */
function mapFields(
  mapping: Record<string, Template>,
  fields: readonly FieldMeta[],
  scope: Scope,
  at: string,
  payload: Record<string, unknown>,
  errors: FieldError[],
): void {
  const index = fieldIndex(fields);
  for (const [key, template] of Object.entries(mapping)) {
    const { value, ok } = evaluate(template, scope, key, at, errors);
    if (!ok) continue;
    const field = index.get(key);
    if (!field) {
      if (value !== undefined) payload[key] = value;
      continue;
    }
    if (isEmptyValue(value)) {
      if (field.required) {
        const [zh, en] = fieldName(field);
        errors.push({
          field: at + key,
          message: `${at ? `${at.slice(0, -1)} 的` : ""}必填字段 ${zh}为空：模板 ${template.source} 在这条记录中没有值`,
          messageEn: `Required field ${en}${at ? ` of ${at.slice(0, -1)}` : ""} is empty: the template ${template.source} has no value in this record`,
        });
      } else if (typeof value === "string" && field.type === "string") {
        payload[key] = value;
      }
      continue;
    }
    const coerced = coerceToField(value, field, scope.timezone);
    if (coerced.ok) payload[key] = coerced.value;
    else errors.push({ field: at + key, message: `${at ? `${at.slice(0, -1)}：` : ""}${coerced.message}`, messageEn: `${at ? `${at.slice(0, -1)}: ` : ""}${coerced.messageEn}` });
  }
}

/** A decimal zero written as text: "0", "0.00", "-0", "+0.0", ".0" (管易云 sends numbers as text on some tenants). */
const ZERO_TEXT = /^[+-]?(?:0+(?:\.0*)?|\.0+)$/;

/**
 * A row filter keeps an item unless its value is empty, false, 0, a zero as text ("0", "0.00": a
 * zero quantity 管易云 sends as text was kept before session 25, and written as a row of 0) or "false".
 */
export function keepsRow(value: unknown): boolean {
  if (isEmptyValue(value) || value === false || value === 0) return false;
  if (typeof value === "string") {
    const text = value.trim().toLowerCase();
    return !ZERO_TEXT.test(text) && text !== "false";
  }
  return true;
}

function readList(record: unknown, path: readonly string[]): unknown {
  let current = record;
  for (const key of path) {
    if (typeof current !== "object" || current === null || !Object.prototype.hasOwnProperty.call(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function mapEntry(entry: EntryPlan, record: unknown, scope: Scope, errors: FieldError[]): Record<string, unknown>[] | undefined {
  const list = readList(record, entry.from);
  const from = formatPath(entry.from);
  const [zh, en] = fieldName(entry.field);
  if (list !== undefined && list !== null && !Array.isArray(list)) {
    errors.push({
      field: entry.key,
      message: `分录 ${zh}的源列表 ${from} 在这条记录中不是数组，无法生成分录行`,
      messageEn: `The source list ${from} of the entry table ${en} is not an array in this record, so no rows can be made`,
    });
    return undefined;
  }
  const items = list ?? [];
  const rows: Record<string, unknown>[] = [];
  for (const item of items) {
    const itemScope: Scope = { ...scope, record: item, parent: record };
    if (entry.filter) {
      const kept = evaluate(entry.filter, itemScope, "filter", `${entry.key}.`, errors);
      if (!kept.ok || !keepsRow(kept.value)) continue;
    }
    if (rows.length === SCHEME_LIMITS.entryRows) {
      errors.push({
        field: entry.key,
        message: `分录 ${zh}超过 ${SCHEME_LIMITS.entryRows} 行（源列表 ${from} 有 ${items.length} 项）：单据过大，请拆分或用行过滤条件减少行数`,
        messageEn: `The entry table ${en} has more than ${SCHEME_LIMITS.entryRows} rows (the source list ${from} has ${items.length} items): split the document or filter its rows`,
      });
      return undefined;
    }
    const row: Record<string, unknown> = {};
    mapFields(entry.mapping, entry.field.fields, itemScope, `${entry.key}[${rows.length + 1}].`, row, errors);
    rows.push(row);
  }
  if (rows.length === 0 && entry.field.required) {
    errors.push({
      field: entry.key,
      message: `分录 ${zh}没有行：源列表 ${from} 在这条记录中为空${entry.filter ? "，或所有项都被行过滤条件排除" : ""}`,
      messageEn: `The entry table ${en} has no rows: the source list ${from} is empty in this record${entry.filter ? " or every item is filtered out" : ""}`,
    });
  }
  return rows;
}

/**
 * The target payload of one source record, with its entry tables' rows. `maps`: the value maps
 * the plan uses (planValueMaps), loaded by the caller; a value a map cannot map is an error of
 * the field, naming the map and the value.
 */
export function mapRecord(
  target: RunPlan["target"],
  record: unknown,
  vars: TemplateVars,
  timezone: string,
  maps?: ReadonlyMap<string, ValueMapData>,
  lookups?: LookupResolver,
): MappedRecord {
  const payload: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  const scope: Scope = { record, vars, timezone, mapMisses: [], lookupMisses: [], waits: [], unresolved: [], ...(maps && { maps }), ...(lookups && { lookups }) };
  mapFields(target.mapping, target.api.fields, scope, "", payload, errors);
  for (const entry of target.entries) {
    const rows = mapEntry(entry, record, scope, errors);
    if (rows) payload[entry.key] = rows;
  }
  // A record that fails anyway fails now (waiting would not help it); one that only lacks what a
  // dependency has not written yet waits.
  return { payload, errors, waits: errors.length > 0 ? [] : scope.waits, unresolved: scope.unresolved };
}
