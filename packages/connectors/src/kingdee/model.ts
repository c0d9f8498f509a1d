// A mapped record → the Model Kingdee expects for its form, and the body of a BatchSave. Pure.
// - Base-data fields (head, sub-head or entry row, per the form's metadata) are wrapped: the user
//   maps "100", the wire carries {"FNumber":"100"}. Objects (e.g. {"FNUMBER":"X"}, {"FID":1}) and
//   null pass as they are. We always send `FNumber`: Kingdee matches the key case-insensitively.
// - A dotted key (`SubHeadEntity.FSettleCurrID`) is a sub-head field: nested as
//   `SubHeadEntity: {FSettleCurrID: …}`.
// - An entry table (`FEntity: [{…}, …]`) is wrapped row by row with its row fields' metadata.
// - Keys are sent in the order of the form's metadata, which follows Kingdee's sample Model (the
//   ApiDoc: a field may be overwritten or lost when the order differs); keys the metadata does not
//   know follow in the record's order. The id field, when set, comes first (as `FID` in the sample).
import { isEntryTable, type FieldMeta } from "@qiao/core";
import type { TargetApiMeta, WriteRequest } from "../types";

type Model = Record<string, unknown>;

interface Level {
  /** Key → its place in the metadata. */
  rank: Map<string, number>;
  baseData: Set<string>;
}

interface FormShape {
  head: Level;
  /** Sub-head → its fields' level (keys without the prefix). */
  subHeads: Map<string, Level>;
  /** Entry table key → its row fields' level. */
  entries: Map<string, Level>;
}

const level = (fields: FieldMeta[]): Level => ({
  rank: new Map(fields.map((f, i) => [f.key, i])),
  baseData: new Set(fields.filter((f) => f.baseData).map((f) => f.key)),
});

const shapes = new WeakMap<TargetApiMeta, FormShape>();

function shapeOf(api: TargetApiMeta): FormShape {
  let shape = shapes.get(api);
  if (shape) return shape;
  const head: Level = { rank: new Map(), baseData: new Set() };
  const subHeadFields = new Map<string, FieldMeta[]>();
  const entries = new Map<string, Level>();
  api.fields.forEach((field, i) => {
    const dot = field.key.indexOf(".");
    // A sub-head sits where its first field is.
    const key = dot > 0 ? field.key.slice(0, dot) : field.key;
    if (!head.rank.has(key)) head.rank.set(key, i);
    if (dot > 0) subHeadFields.set(key, [...(subHeadFields.get(key) ?? []), { ...field, key: field.key.slice(dot + 1) }]);
    else if (isEntryTable(field)) entries.set(field.key, level(field.fields));
    else if (field.baseData) head.baseData.add(field.key);
  });
  const subHeads = new Map([...subHeadFields].map(([key, fields]) => [key, level(fields)]));
  shape = { head, subHeads, entries };
  shapes.set(api, shape);
  return shape;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function wrap(value: unknown): unknown {
  return value !== null && typeof value !== "object" ? { FNumber: String(value) } : value;
}

/**
 * The keys in metadata order (`first` before all), keys the metadata does not know after them in
 * their own order: a stable insertion sort, a Model having a few dozen keys at most. Plain arrays,
 * not a comparator over a Map: toModel runs for every record written (issue #16).
 */
function rankOrder(keys: string[], at: Level, first?: string): string[] {
  const ranks: number[] = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const rank = key === first ? -1 : (at.rank.get(key) ?? Number.MAX_SAFE_INTEGER);
    let j = i;
    for (; j > 0 && ranks[j - 1]! > rank; j--) {
      keys[j] = keys[j - 1]!;
      ranks[j] = ranks[j - 1]!;
    }
    keys[j] = key;
    ranks[j] = rank;
  }
  return keys;
}

/** Sets an own property, as Object.fromEntries would: `__proto__` too is a key, not the prototype. */
function setOwn(model: Model, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(model, key, { value, enumerable: true, writable: true, configurable: true });
  else model[key] = value;
}

/** The object's keys in metadata order, unknown keys after them in their own order. */
function ordered(values: Map<string, unknown>, at: Level, first?: string): Model {
  const model: Model = {};
  for (const key of rankOrder([...values.keys()], at, first)) setOwn(model, key, values.get(key));
  return model;
}

function fieldsOf(record: Record<string, unknown>, at: Level): Map<string, unknown> {
  const values = new Map<string, unknown>();
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    values.set(key, at.baseData.has(key) ? wrap(value) : value);
  }
  return values;
}

function rowModel(row: unknown, at: Level): unknown {
  return isObject(row) ? ordered(fieldsOf(row, at), at) : row;
}

/**
 * The Model of a record with neither dotted keys nor entry rows (a customer's, a material's without
 * sub-head fields), as toModel below builds it, without its Maps; undefined for any other record.
 */
function flatModel(api: TargetApiMeta, shape: FormShape, record: Record<string, unknown>): Model | undefined {
  const keys: string[] = [];
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value === undefined) continue;
    if (key.indexOf(".") > 0 || (Array.isArray(value) && shape.entries.has(key))) return undefined;
    keys.push(key);
  }
  const model: Model = {};
  for (const key of rankOrder(keys, shape.head, api.idField)) {
    const value = record[key];
    setOwn(model, key, shape.head.baseData.has(key) ? wrap(value) : value);
  }
  return model;
}

/** The Model of one mapped record for the form `api` (see the file comment). */
export function toModel(api: TargetApiMeta, record: Record<string, unknown>): Model {
  const shape = shapeOf(api);
  const flat = flatModel(api, shape, record);
  if (flat) return flat;
  const head = new Map<string, unknown>();
  const subHeads = new Map<string, Map<string, unknown>>();
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    const dot = key.indexOf(".");
    if (dot > 0) {
      const subHead = key.slice(0, dot);
      const field = key.slice(dot + 1);
      const fields = subHeads.get(subHead) ?? new Map<string, unknown>();
      fields.set(field, shape.subHeads.get(subHead)?.baseData.has(field) ? wrap(value) : value);
      subHeads.set(subHead, fields);
      // Hold the sub-head's place among the head keys in case it is not in the metadata.
      if (!head.has(subHead)) head.set(subHead, undefined);
      continue;
    }
    const entry = shape.entries.get(key);
    if (entry && Array.isArray(value)) head.set(key, value.map((row) => rowModel(row, entry)));
    else if (isObject(value) && subHeads.has(key)) continue;
    else head.set(key, shape.head.baseData.has(key) ? wrap(value) : value);
  }
  for (const [subHead, fields] of subHeads) {
    // A sub-head also given whole (`SubHeadEntity: {…}`, sent as it is) keeps its fields; the dotted ones win.
    const given = record[subHead];
    const merged = new Map([...(isObject(given) ? Object.entries(given) : []), ...fields]);
    head.set(subHead, ordered(merged, shape.subHeads.get(subHead) ?? level([])));
  }
  return ordered(head, shape.head, api.idField);
}

/**
 * A row number in Kingdee's texts, 1-based (kingdee-documents.md § How errors come back): the
 * SAL_OUTSTOCK wording `单据体实体【明细信息】第【2】行分录，【仓库】字段必录` [K7], STK_InStock's
 * `单据体“明细信息”第1行字段“仓库”是必填项` and PRD_MO's `第1行分录，数量大于入库上限！` [K13]; spaces
 * around the number are allowed. Those are the only row wordings in public sources: other versions
 * and installations may word it otherwise (the doc says the wording differs between versions), and
 * 金蝶's text for an unknown base-data code (IsVerifyBaseDataField:true) was not found at all.
 */
const ROW_NUMBER = /第\s*【?\s*(\d+)\s*】?\s*行/;

/**
 * A row named the way the mapper names it, `FEntity[2].FStockID`, in a message (our simulator wrote
 * that until session 19; no public 金蝶 sample has it, read in case an installation's plugin or a
 * gateway writes it). The field must be FieldName; the reference names the entry table too, so it
 * wins over the wording above.
 */
function rowReference(message: string, entryKey: string, fieldName: string): string | undefined {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const found = new RegExp(`(?<![A-Za-z0-9_])${escape(entryKey)}\\[\\s*(\\d+)\\s*\\]\\.${escape(fieldName)}(?![A-Za-z0-9_])`, "i").exec(message);
  return found?.[1];
}

/** A 1-based row number as the mapping writes it ("02" → "2"); undefined for 0. */
const rowOf = (text: string | undefined) => (text !== undefined && Number(text) >= 1 ? String(Number(text)) : undefined);

/**
 * Where Kingdee's FieldName sits in the scheme's mapping: Kingdee names the bare key (`FStockID`,
 * `FSettleCurrID`), and a row's number only in the message text. A sub-head field becomes its dotted
 * key, a row field `FEntity[2].FStockID` (1-based, as the mapper names rows) when the message names
 * the row (ROW_NUMBER, or a `FEntity[2].FStockID` reference); anything else stays as Kingdee said it.
 */
export function mappingKeyOf(api: TargetApiMeta, fieldName: string, message: string): string {
  const shape = shapeOf(api);
  if (shape.head.rank.has(fieldName)) return fieldName;
  const subHeads = [...shape.subHeads].filter(([, at]) => at.rank.has(fieldName));
  if (subHeads.length === 1) return `${subHeads[0]![0]}.${fieldName}`;
  const entries = [...shape.entries].filter(([, at]) => at.rank.has(fieldName));
  // A reference names its table itself, so it is read for any entry table (a custom row field the
  // metadata does not list included).
  for (const entryKey of shape.entries.keys()) {
    const row = rowOf(rowReference(message, entryKey, fieldName));
    if (row !== undefined) return `${entryKey}[${row}].${fieldName}`;
  }
  const row = rowOf(ROW_NUMBER.exec(message)?.[1]);
  if (entries.length === 1 && row !== undefined) return `${entries[0]![0]}[${row}].${fieldName}`;
  return fieldName;
}

/** The model with the form's id field set (first, as Kingdee's samples send `FID`). */
export function withId(api: TargetApiMeta, model: Model, id: number): Model {
  return { [api.idField]: id, ...Object.fromEntries(Object.entries(model).filter(([k]) => k !== api.idField)) };
}

/** The record's number (FNumber / FBillNo), if it has one: what lookups go by. */
export function numberOf(api: TargetApiMeta, record: Record<string, unknown>): string | undefined {
  const value = record[api.numberField];
  if (typeof value === "number") return String(value);
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/**
 * NeedUpDateFields of an update: the keys the records carry. A sub-head or an entry table is named
 * by its own key too (Kingdee: "更新单据体字段得加上单据体key"), then by its fields' keys.
 */
export function updatedFields(api: TargetApiMeta, records: Record<string, unknown>[]): string[] {
  const keys = new Set<string>();
  for (const record of records) {
    for (const [key, value] of Object.entries(record)) {
      if (key === api.idField || value === undefined) continue;
      const dot = key.indexOf(".");
      if (dot > 0) {
        keys.add(key.slice(0, dot));
        keys.add(key.slice(dot + 1));
        continue;
      }
      keys.add(key);
      const inner = Array.isArray(value) ? value.filter(isObject) : isObject(value) && shapeOf(api).subHeads.has(key) ? [value] : [];
      for (const fields of inner) for (const k of Object.keys(fields)) keys.add(k);
    }
  }
  return [...keys];
}

/** Whether the form is a bill saved without auditing, to be submitted and audited as separate calls. */
export function auditsSeparately(api: TargetApiMeta, req: Pick<WriteRequest, "audit">): boolean {
  return req.audit === "separate" && api.bill !== undefined;
}

/**
 * The BatchSave body. With separate auditing IsAutoSubmitAndAudit is false whatever the options say;
 * an empty text option (交互标志 not set) is left out rather than sent as "".
 */
export function saveBody(
  api: TargetApiMeta,
  req: Pick<WriteRequest, "formId" | "options" | "audit">,
  models: Model[],
  needUpdateFields: string[],
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const options: Record<string, unknown> = { ...Object.fromEntries(api.options.map((o) => [o.key, o.default])), ...req.options, ...overrides };
  if (auditsSeparately(api, req)) options.IsAutoSubmitAndAudit = false;
  for (const [key, value] of Object.entries(options)) if (value === "") delete options[key];
  return { formid: req.formId, data: { ...options, NeedUpDateFields: needUpdateFields, Model: models } };
}
