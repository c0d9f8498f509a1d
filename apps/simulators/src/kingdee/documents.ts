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
// - IsVerifyBaseDataField:true names an unknown code with the field (kingdee-documents.md's "our
//   text") and, on a row, the row in the [K7] wording, 1-based:
//   `单据体实体【明细信息】第【2】行分录，字段“物料编码”的值[X]在系统中不存在`; a head or sub-head field
//   `字段“客户”的值[X]在系统中不存在`. FieldName the bare key, MsgCode 9. 金蝶's real text is not
//   public (the doc says so); only the row wording is [K7]'s. With false an unknown code leaves the
//   field empty, which the required check reports.
// - Submit needs status A or D, Audit needs B; otherwise our texts below, MsgCode 11.
import type { BaseData } from "./base-data";
import { checkRequired, isObject, normaliseModel, rowsOf } from "./model-checks";
import {
  asId,
  duplicateNumberMessage,
  MSG,
  now,
  saveEach,
  STATUS_NAMES,
  type FormSpec,
  type RecordError,
  type RecordSuccess,
} from "./form-spec";
import { deleteByNumber, NumberIndex, orgScopeOf } from "./number-index";
import { paddedText } from "./filter";

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

/** CancelAssign is 撤销 (withdrawing a submission): B 审核中 → A 创建. */
export type Operation = "Submit" | "Audit" | "CancelAssign";
export type OperationTarget = { number: string } | { id: number };

const SYSTEM_KEYS = ["FDocumentStatus", "FForbidStatus", "FCreateDate", "FModifyDate", "FApproveDate"];

export class DocumentStore {
  private readonly byId = new Map<number, DocRecord>();
  private readonly byNumber = new NumberIndex();
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
    const id = "id" in target ? target.id : this.byNumber.first(target.number);
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** Records whose id / number is one of `values` (every organisation's copy), in id order (the query's index path). */
  lookup(key: "id" | "number", values: (string | number)[]): DocRecord[] {
    // Numbers are stored trimmed; a number asked with trailing spaces finds its record, as SQL Server's `=` does.
    const ids = values.flatMap((v) => (key === "id" ? [asId(v)] : this.byNumber.ids(paddedText(String(v)))));
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
    return deleteByNumber(this.byNumber, this.byId, numbers);
  }

  save(models: unknown[], options: DocumentSaveOptions): { successes: RecordSuccess[]; errors: RecordError[]; saved: DocRecord[] } {
    return saveEach(
      models,
      (model, dIndex) => this.saveOne(structuredClone(model) as DocRecord, dIndex, options),
      (r) => ({ Id: this.idOf(r), Number: this.numberOf(r) }),
    );
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

  /** The organisation a number is unique in (./number-index.ts): "" for bills. */
  private scopeOf(record: DocRecord): string {
    return this.spec.numberPerOrg ? orgScopeOf(record) : "";
  }

  private saveOne(model: DocRecord, dIndex: number, options: DocumentSaveOptions): DocRecord | RecordError[] {
    const { spec } = this;
    const error = (FieldName: string | null, Message: string, msgCode: number): RecordError => ({ FieldName, Message, DIndex: dIndex, msgCode });
    const id = asId(model[spec.idKey]);
    const existing = id ? this.byId.get(id) : undefined;
    if (id && !existing) return [error(spec.idKey, `${spec.name}内码 ${id} 对应的数据不存在，可能已被删除。`, MSG.notFound)];
    if (existing && spec.lockedWhenAudited && existing.FDocumentStatus === "C") return [error(null, "已审核的单据不能修改", MSG.validation)];
    // A submitted bill (审核中) is locked too until its submission is withdrawn (撤销) in 金蝶: the
    // doc is silent; standard K/3 Cloud behaviour, and what our connector assumes (billStateOf).
    if (existing && spec.lockedWhenAudited && existing.FDocumentStatus === "B") return [error(null, "审核中的单据不能修改，请先撤销提交", MSG.validation)];

    const sent = Object.fromEntries(Object.entries(model).filter(([k]) => k !== spec.idKey && !SYSTEM_KEYS.includes(k)));
    const record = existing ? this.merge(existing, sent, options) : sent;
    const errors = normaliseModel(spec, this.baseData, record, options, error);
    if (options.validate) errors.push(...checkRequired(spec, record, error));

    const sentNumber = record[spec.numberKey];
    const number = typeof sentNumber === "string" || typeof sentNumber === "number" ? String(sentNumber).trim() : "";
    const owner = number ? this.byNumber.get(number, this.scopeOf(record)) : undefined;
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
    if (existing) this.byNumber.delete(this.numberOf(existing), this.scopeOf(existing));
    this.byId.set(this.idOf(record), record);
    this.byNumber.set(this.numberOf(record), this.scopeOf(record), this.idOf(record));
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
    return rowsOf(this.spec, record);
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
 * first), CancelAssign (撤销) B → A. Z 暂存 and D 重新审核 are never produced (no draft save, no UnAudit). Each target stands
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
    } else if (op === "CancelAssign") {
      // 撤销: back to the status before the submission; the simulator never produces D, so 创建.
      if (status !== "B") return error(`${statusText}，只有审核中状态的数据可以撤销。`, MSG.validation);
      Object.assign(record, { FDocumentStatus: "A", FModifyDate: now() });
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
