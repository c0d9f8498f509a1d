// A document form kept in memory (BD_MATERIAL, SAL_OUTSTOCK): Save/BatchSave as create or update,
// the checks a K/3 Cloud server makes (base data, required fields, unique number), Submit and Audit,
// View. What differs between forms is data (./form-spec.ts) plus an audit effect (stock). No I/O.
//
// Choices where shared/protocols/kingdee-documents.md is silent ("Unknown / our choice"):
// - Each Model entry of a batch is saved on its own; the valid ones commit (as for BD_Customer).
// - IsAutoSubmitAndAudit runs save, submit and audit as one transaction per record: when the audit
//   fails (negative stock) nothing of that record is saved and its errors are the audit's.
// - A bill whose FDocumentStatus is C (已审核) refuses an update with `已审核的单据不能修改`
//   (our text, MsgCode 11); base data (materials) stays editable, as customers are.
// - IsVerifyBaseDataField:true names an unknown code with the field, its place and 1-based row:
//   `字段“物料编码”的值[X]在系统中不存在（FEntity[2].FMaterialID）`, FieldName the bare key,
//   MsgCode 9. With false an unknown code leaves the field empty, which the required check reports.
// - Submit needs status A or D, Audit needs B; otherwise our texts below, MsgCode 11.
import type { BaseData } from "./base-data";
import {
  asId,
  duplicateNumberMessage,
  isPresent,
  MSG,
  now,
  refNumber,
  STATUS_NAMES,
  type FieldSpec,
  type FormSpec,
  type RecordError,
  type RecordSuccess,
} from "./form-spec";

export type DocRecord = Record<string, unknown>;
type Row = Record<string, unknown>;

export interface DocumentSaveOptions {
  /** Keys an update changes; empty = the Model replaces the record (keys not sent are cleared). */
  needUpdateFields: string[];
  verifyBaseData: boolean;
  /** ValidateFlag: false skips the required-field and format checks. */
  validate: boolean;
  autoSubmitAndAudit: boolean;
  /** IsDeleteEntry (default true): an update's rows replace the stored ones; false merges them by FEntryID. */
  deleteEntry: boolean;
  /** InterationFlags, e.g. STK_InvCheckResult (negative stock allowed). */
  interactionFlags: string[];
}

/** What Audit does beyond the status (SAL_OUTSTOCK moves stock): refuse with messages, or commit. */
export type AuditEffect = (record: DocRecord, flags: string[]) => { errors: string[] } | { apply: () => void };

export type Operation = "Submit" | "Audit";
export type OperationTarget = { number: string } | { id: number };

const SYSTEM_KEYS = ["FDocumentStatus", "FForbidStatus", "FCreateDate", "FModifyDate", "FApproveDate"];

export class DocumentStore {
  private readonly byId = new Map<number, DocRecord>();
  private readonly byNumber = new Map<string, number>();
  private nextId: number;
  private nextEntryId = 1;
  private nextAutoNumber = 1;
  /** Creates whose number was already taken (also within one batch). */
  duplicateAttempts = 0;

  constructor(
    readonly spec: FormSpec,
    private readonly baseData: BaseData,
    private readonly auditEffect?: AuditEffect,
  ) {
    this.nextId = spec.firstId;
  }

  get size(): number {
    return this.byId.size;
  }

  list(): DocRecord[] {
    return [...this.byId.values()];
  }

  find(target: OperationTarget): DocRecord | undefined {
    const id = "id" in target ? target.id : this.byNumber.get(target.number);
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** Records whose id / number is one of `values`, in id order (the query's index path). */
  lookup(key: "id" | "number", values: (string | number)[]): DocRecord[] {
    const ids = values.map((v) => (key === "id" ? asId(v) : this.byNumber.get(String(v))));
    const found = [...new Set(ids)].flatMap((id): DocRecord[] => {
      const record = id ? this.byId.get(id) : undefined;
      return record ? [record] : [];
    });
    return found.sort((a, b) => this.idOf(a) - this.idOf(b));
  }

  clear(): void {
    this.byId.clear();
    this.byNumber.clear();
    this.nextId = this.spec.firstId;
    this.nextEntryId = 1;
    this.nextAutoNumber = 1;
    this.duplicateAttempts = 0;
  }

  /** Admin: deletes by number; returns how many existed. */
  delete(numbers: string[]): number {
    let deleted = 0;
    for (const number of numbers) {
      const id = this.byNumber.get(number);
      if (id === undefined) continue;
      this.byNumber.delete(number);
      this.byId.delete(id);
      deleted++;
    }
    return deleted;
  }

  save(models: unknown[], options: DocumentSaveOptions): { successes: RecordSuccess[]; errors: RecordError[]; saved: DocRecord[] } {
    const successes: RecordSuccess[] = [];
    const errors: RecordError[] = [];
    const saved: DocRecord[] = [];
    models.forEach((model, dIndex) => {
      if (!model || typeof model !== "object" || Array.isArray(model)) {
        errors.push({ FieldName: null, Message: `Model 第 ${dIndex + 1} 项不是对象`, DIndex: dIndex, msgCode: MSG.badParameter });
        return;
      }
      const result = this.saveOne(structuredClone(model) as DocRecord, dIndex, options);
      if (Array.isArray(result)) errors.push(...result);
      else {
        successes.push({ Id: this.idOf(result), Number: this.numberOf(result), DIndex: dIndex });
        saved.push(result);
      }
    });
    return { successes, errors, saved };
  }

  /** Submit / Audit by number or id, each target on its own; DIndex is its place in the list. */
  operate(op: Operation, targets: OperationTarget[], flags: string[]): { successes: RecordSuccess[]; errors: RecordError[] } {
    return operateOn(op, targets, flags, {
      name: this.spec.name,
      find: (t) => this.find(t),
      idOf: (r) => this.idOf(r),
      numberOf: (r) => this.numberOf(r),
      auditEffect: this.auditEffect,
    });
  }

  /** View's `Result.Result`: Id, Number, DocumentStatus (base data also Name), then the stored keys. */
  view(record: DocRecord, lcid: number): Record<string, unknown> {
    const name = this.spec.numberKey === "FNumber" ? { Name: [{ Key: lcid, Value: record.FName ?? "" }] } : {};
    return { Id: this.idOf(record), Number: this.numberOf(record), ...name, DocumentStatus: record.FDocumentStatus, ...structuredClone(record) };
  }

  private idOf(record: DocRecord): number {
    return record[this.spec.idKey] as number;
  }

  private numberOf(record: DocRecord): string {
    return record[this.spec.numberKey] as string;
  }

  private saveOne(model: DocRecord, dIndex: number, options: DocumentSaveOptions): DocRecord | RecordError[] {
    const { spec } = this;
    const error = (FieldName: string | null, Message: string, msgCode: number): RecordError => ({ FieldName, Message, DIndex: dIndex, msgCode });
    const id = asId(model[spec.idKey]);
    const existing = id ? this.byId.get(id) : undefined;
    if (id && !existing) return [error(spec.idKey, `${spec.name}内码 ${id} 对应的数据不存在，可能已被删除。`, MSG.notFound)];
    if (existing && spec.lockedWhenAudited && existing.FDocumentStatus === "C") return [error(null, "已审核的单据不能修改", MSG.validation)];

    const sent = Object.fromEntries(Object.entries(model).filter(([k]) => k !== spec.idKey && !SYSTEM_KEYS.includes(k)));
    const record = existing ? this.merge(existing, sent, options) : sent;
    const errors = this.normalise(record, options, error);
    if (options.validate) errors.push(...this.checkRequired(record, error));

    const sentNumber = record[spec.numberKey];
    const number = typeof sentNumber === "string" || typeof sentNumber === "number" ? String(sentNumber).trim() : "";
    const owner = number ? this.byNumber.get(number) : undefined;
    if (owner !== undefined && owner !== id) {
      if (!existing) this.duplicateAttempts++;
      errors.push(error(spec.numberKey, duplicateNumberMessage(number), MSG.validation));
    }
    if (errors.length > 0) return errors;

    const autoCounter = this.nextAutoNumber;
    record[spec.numberKey] = number || (existing ? this.numberOf(existing) : this.autoNumber());
    spec.derive?.(record);
    if (options.autoSubmitAndAudit) {
      const effect = this.auditEffect?.(record, options.interactionFlags);
      if (effect && "errors" in effect) {
        this.nextAutoNumber = autoCounter;
        return effect.errors.map((m) => error(null, m, MSG.validation));
      }
      effect?.apply();
    }
    return this.commit(record, existing, options.autoSubmitAndAudit);
  }

  private commit(record: DocRecord, existing: DocRecord | undefined, audited: boolean): DocRecord {
    const stamp = now();
    const keptStatus = existing?.FDocumentStatus === "D" ? "D" : "A";
    record[this.spec.idKey] = existing ? this.idOf(existing) : this.nextId++;
    record.FDocumentStatus = audited ? "C" : keptStatus;
    record.FCreateDate = existing?.FCreateDate ?? stamp;
    record.FModifyDate = stamp;
    if (audited) record.FApproveDate = stamp;
    else delete record.FApproveDate;
    if (this.spec.numberKey === "FNumber") record.FForbidStatus = existing?.FForbidStatus ?? "A";
    const entry = this.spec.entry;
    if (entry) {
      // A row keeps its id only when it is one of this record's stored rows (an update); any other is new.
      const kept = new Set(existing ? this.rowsOf(existing).map((r) => r[entry.idKey]) : []);
      for (const row of this.rowsOf(record)) if (!kept.has(asId(row[entry.idKey]))) row[entry.idKey] = this.nextEntryId++;
    }
    if (existing && this.numberOf(existing) !== this.numberOf(record)) this.byNumber.delete(this.numberOf(existing));
    this.byId.set(this.idOf(record), record);
    this.byNumber.set(this.numberOf(record), this.idOf(record));
    return record;
  }

  /** The record an update would leave: NeedUpDateFields picks keys, IsDeleteEntry decides the rows. */
  private merge(existing: DocRecord, sent: DocRecord, options: DocumentSaveOptions): DocRecord {
    const entryKey = this.spec.entry?.key;
    const base = structuredClone(existing);
    const partial = options.needUpdateFields.length > 0;
    const merged: DocRecord = partial ? base : Object.fromEntries(Object.entries(base).filter(([k]) => SYSTEM_KEYS.includes(k)));
    for (const [key, value] of Object.entries(sent)) {
      if (partial && !options.needUpdateFields.includes(key)) continue;
      if (key === entryKey && Array.isArray(value) && !options.deleteEntry) merged[key] = this.mergeRows(this.rowsOf(base), value);
      else if (partial && key.startsWith("SubHeadEntity") && isObject(value) && isObject(base[key])) merged[key] = { ...base[key], ...value };
      else merged[key] = value;
    }
    return merged;
  }

  private mergeRows(stored: Row[], sent: unknown[]): unknown[] {
    const idKey = this.spec.entry!.idKey;
    const rows: unknown[] = [...stored];
    for (const row of sent) {
      const at = isObject(row) && asId(row[idKey]) ? stored.findIndex((r) => r[idKey] === asId(row[idKey])) : -1;
      if (at >= 0 && isObject(row)) rows[at] = { ...stored[at], ...row, [idKey]: stored[at]![idKey] };
      else rows.push(row);
    }
    return rows;
  }

  private rowsOf(record: DocRecord): Row[] {
    const rows = this.spec.entry ? record[this.spec.entry.key] : undefined;
    return Array.isArray(rows) ? rows.filter(isObject) : [];
  }

  /** Formats, base-data lookups and fallbacks, in place; returns the format and existence errors. */
  private normalise(record: DocRecord, options: DocumentSaveOptions, error: (f: string | null, m: string, c: number) => RecordError): RecordError[] {
    const errors: RecordError[] = [];
    const entry = this.spec.entry;
    const fields = Object.entries(this.spec.fields);
    const one = (container: Row, key: string, field: FieldSpec, place: string, head: Row, row: Row | undefined) => {
      const problem = this.normaliseValue(container, key, field, options);
      if (problem) errors.push(error(key, problem.message.replace("{place}", place), problem.code));
      if (!isPresent(container[key]) && field.fallback !== undefined) {
        const value = typeof field.fallback === "function" ? (field.fallback as (h: Row, r: Row | undefined) => unknown)(head, row) : field.fallback;
        if (value !== undefined) container[key] = structuredClone(value);
      }
    };
    for (const [key, field] of fields) {
      const at = field.at ?? "head";
      if (at === "FEntity") continue;
      if (at === "head") one(record, key, field, key, record, undefined);
      else {
        const sub = isObject(record[at]) ? (record[at] as Row) : {};
        if (!isObject(record[at]) && record[at] !== undefined && options.validate) errors.push(error(at, `${at} 应为对象。`, MSG.badParameter));
        one(sub, key, field, `${at}.${key}`, record, undefined);
        if (Object.keys(sub).length > 0) record[at] = sub;
      }
    }
    if (entry && record[entry.key] !== undefined && !Array.isArray(record[entry.key])) {
      errors.push(error(entry.key, `单据体 ${entry.key} 应为数组。`, MSG.badParameter));
      return errors;
    }
    this.rowsOf(record).forEach((row, i) => {
      for (const [key, field] of fields) if (field.at === "FEntity") one(row, key, field, `FEntity[${i + 1}].${key}`, record, row);
    });
    return errors;
  }

  private normaliseValue(container: Row, key: string, field: FieldSpec, options: DocumentSaveOptions): { message: string; code: number } | undefined {
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
      if (this.baseData.find(field.ref, code)) {
        container[key] = { FNumber: code };
        return undefined;
      }
      if (options.verifyBaseData) return { message: `字段“${field.label}”的值[${code}]在系统中不存在（{place}）`, code: MSG.notExist };
      delete container[key];
      return undefined;
    }
    const type = field.type ?? "text";
    if (type === "number") {
      const n = typeof value === "number" ? value : typeof value === "string" ? Number(value.trim()) : NaN;
      if (Number.isFinite(n)) container[key] = n;
      else if (options.validate) return { message: `字段“${field.label}”的值“${shown}”不是数字（{place}）`, code: MSG.badParameter };
    } else if (type === "bool") {
      const b = typeof value === "boolean" ? value : typeof value === "string" && /^(true|false)$/i.test(value.trim()) ? value.trim().toLowerCase() === "true" : undefined;
      if (b !== undefined) container[key] = b;
      else if (options.validate) return { message: `字段“${field.label}”的值“${shown}”应为 true 或 false（{place}）`, code: MSG.badParameter };
    } else if (type === "date") {
      const date = normaliseDate(value);
      if (date) container[key] = date;
      else if (options.validate) return { message: `字段“${field.label}”的值“${shown}”不是日期（yyyy-MM-dd）（{place}）`, code: MSG.badParameter };
    } else if (typeof value === "number" || typeof value === "boolean") container[key] = String(value);
    return undefined;
  }

  /** Required keys: the head ones `字段“客户”是必填项`, the row ones with the entity and 1-based row [K7]. */
  private checkRequired(record: DocRecord, error: (f: string | null, m: string, c: number) => RecordError): RecordError[] {
    const errors: RecordError[] = [];
    const entry = this.spec.entry;
    const rows = this.rowsOf(record);
    for (const key of this.spec.required) {
      const field = this.spec.fields[key]!;
      const at = field.at ?? "head";
      if (at === "FEntity") continue;
      const container = at === "head" ? record : isObject(record[at]) ? (record[at] as Row) : {};
      if (!isPresent(container[key])) errors.push(error(key, `字段“${field.label}”是必填项`, MSG.validation));
    }
    if (entry && rows.length === 0) errors.push(error(entry.key, `单据体实体【${entry.label}】至少要有一行分录`, MSG.validation));
    rows.forEach((row, i) => {
      for (const key of this.spec.required) {
        const field = this.spec.fields[key]!;
        if (field.at !== "FEntity") continue;
        const where = `单据体实体【${entry!.label}】第【${i + 1}】行分录，【${field.label}】`;
        if (!isPresent(row[key])) errors.push(error(key, `${where}字段必录`, MSG.validation));
        else if (field.type === "number" && typeof row[key] === "number" && row[key] <= 0) errors.push(error(key, `${where}必须大于0`, MSG.validation));
      }
    });
    return errors;
  }

  /** The form's 编码规则 (XSCKD000001 …, WL000001 …), skipping taken numbers. */
  private autoNumber(): string {
    for (;;) {
      const number = this.spec.autoNumber(this.nextAutoNumber++);
      if (!this.byNumber.has(number)) return number;
    }
  }
}

export interface OperationSubject {
  /** 中文 form name for messages. */
  name: string;
  find(target: OperationTarget): DocRecord | undefined;
  idOf(record: DocRecord): number;
  numberOf(record: DocRecord): string;
  auditEffect?: AuditEffect;
}

/**
 * The status machine every form shares: Submit A/D → B, Audit B → C (running the audit effect
 * first). Z 暂存 and D 重新审核 are never produced (no draft save, no UnAudit). Each target stands
 * alone, so a list can partly succeed.
 */
export function operateOn(op: Operation, targets: OperationTarget[], flags: string[], subject: OperationSubject): { successes: RecordSuccess[]; errors: RecordError[] } {
  const successes: RecordSuccess[] = [];
  const errors: RecordError[] = [];
  targets.forEach((target, dIndex) => {
    const error = (Message: string, msgCode: number) => errors.push({ FieldName: null, Message, DIndex: dIndex, msgCode });
    const record = subject.find(target);
    const label = "id" in target ? `内码 ${target.id}` : target.number;
    if (!record) return error(`${subject.name}“${label}”不存在或已被删除。`, MSG.notFound);
    const status = String(record.FDocumentStatus);
    const statusText = `${subject.name}“${subject.numberOf(record)}”的数据状态为“${STATUS_NAMES[status] ?? status}”`;
    if (op === "Submit") {
      if (status !== "A" && status !== "D") return error(`${statusText}，只有创建或重新审核状态的数据可以提交。`, MSG.validation);
      Object.assign(record, { FDocumentStatus: "B", FModifyDate: now() });
    } else {
      if (status !== "B") return error(`${statusText}，只有审核中状态的数据可以审核。`, MSG.validation);
      const effect = subject.auditEffect?.(record, flags);
      if (effect && "errors" in effect) {
        for (const message of effect.errors) error(message, MSG.validation);
        return;
      }
      effect?.apply();
      Object.assign(record, { FDocumentStatus: "C", FApproveDate: now() });
    }
    successes.push({ Id: subject.idOf(record), Number: subject.numberOf(record), DIndex: dIndex });
  });
  return { successes, errors };
}

function isObject(value: unknown): value is Row {
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
