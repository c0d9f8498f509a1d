// BD_Customer kept in memory: saves (create or update), ExecuteBillQuery and View, with the
// checks a K/3 Cloud server makes — FNumber unique per 使用组织 (./number-index.ts), required
// fields, base-data format and, when IsVerifyBaseDataField is on, existence. No I/O: the HTTP side
// is ./server.ts.
import { CUSTOMER_FIELDS, labelOf, SYSTEM_FIELDS, type BaseDataEntry } from "./base-data";
import { pageOf, QueryError, type QueryArgs } from "./document-query";
import { FilterError, paddedText, parseFilterString } from "./filter";
import { asId, duplicateNumberMessage, isPresent, MSG, now, refNumber as baseDataNumber, saveEach, type RecordError, type RecordSuccess } from "./form-spec";
import { deleteByNumber, NumberIndex, orgScopeOf, withOrgs } from "./number-index";

export type Customer = Record<string, unknown> & { FCUSTID: number; FNumber: string };

export interface SaveOptions {
  /** Fields an update changes; empty = every field is replaced by the Model (absent ones cleared). */
  needUpdateFields: string[];
  verifyBaseData: boolean;
  /** ValidateFlag: false skips the required-field and base-data format checks. */
  validate: boolean;
  autoSubmitAndAudit: boolean;
}

export type { QueryArgs } from "./document-query";
export { QueryError } from "./document-query";
export { duplicateNumberMessage, type RecordError, type RecordSuccess } from "./form-spec";

export const FORM_ID = "BD_Customer";
const FIRST_ID = 100001;

export class CustomerStore {
  private readonly byId = new Map<number, Customer>();
  private readonly byNumber = new NumberIndex();
  private nextId = FIRST_ID;
  private nextAutoNumber = 1;
  /** Create attempts whose FNumber was already taken (also within one batch). */
  duplicateAttempts = 0;

  constructor(readonly requiredFields: readonly string[]) {}

  get size(): number {
    return this.byId.size;
  }

  list(): Customer[] {
    return [...this.byId.values()];
  }

  byNumberOrId(number: string | undefined, id: number): Customer | undefined {
    if (id) return this.byId.get(id);
    const found = number === undefined ? undefined : this.byNumber.first(number);
    return found === undefined ? undefined : this.byId.get(found);
  }

  clear(): void {
    this.byId.clear();
    this.byNumber.clear();
    this.nextId = FIRST_ID;
    this.nextAutoNumber = 1;
    this.duplicateAttempts = 0;
  }

  /** Admin: deletes by FNumber; returns how many existed. */
  delete(numbers: string[]): number {
    return deleteByNumber(this.byNumber, this.byId, numbers);
  }

  /** Each Model entry on its own (see saveEach). */
  save(models: unknown[], options: SaveOptions): { successes: RecordSuccess[]; errors: RecordError[]; saved: Customer[] } {
    return saveEach(models, (model, dIndex) => this.saveOne(model, dIndex, options), (c) => ({ Id: c.FCUSTID, Number: c.FNumber }));
  }

  private saveOne(model: Record<string, unknown>, dIndex: number, options: SaveOptions): Customer | RecordError[] {
    const id = asId(model.FCUSTID);
    const existing = id ? this.byId.get(id) : undefined;
    const error = (FieldName: string | null, Message: string, msgCode: number): RecordError => ({ FieldName, Message, DIndex: dIndex, msgCode });
    if (id && !existing) return [error("FCUSTID", `客户内码 ${id} 对应的数据不存在，可能已被删除。`, MSG.notFound)];

    const sent: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(model)) {
      if (key === "FCUSTID" || key in SYSTEM_FIELDS) continue;
      if (existing && options.needUpdateFields.length > 0 && !options.needUpdateFields.includes(key)) continue;
      sent[key] = value;
    }
    const errors: RecordError[] = [];
    const number = typeof sent.FNumber === "string" || typeof sent.FNumber === "number" ? String(sent.FNumber).trim() : "";
    const scope = orgScopeOf(existing && options.needUpdateFields.length > 0 ? { ...existing, ...sent } : sent);
    const owner = number ? this.byNumber.get(number, scope) : undefined;
    if (owner !== undefined && owner !== id) {
      if (!existing) this.duplicateAttempts++;
      errors.push(error("FNumber", duplicateNumberMessage(number), MSG.validation));
    }

    if (options.validate) {
      for (const [key, value] of Object.entries(sent)) {
        const catalog = CUSTOMER_FIELDS[key]?.catalog;
        if (!catalog || value === null || value === undefined || typeof value === "object") continue;
        errors.push(error(key, `字段“${labelOf(key)}”是基础资料，值应为 {"FNumber":"编码"}，收到的是“${String(value)}”。`, MSG.badParameter));
      }
      const merged: Record<string, unknown> = existing && options.needUpdateFields.length > 0 ? { ...existing, ...sent } : sent;
      for (const key of this.requiredFields) {
        if (!isPresent(merged[key])) errors.push(error(key, `字段“${labelOf(key)}”是必填项。`, MSG.validation));
      }
    }
    if (options.verifyBaseData) {
      for (const [key, value] of Object.entries(sent)) {
        const catalog = CUSTOMER_FIELDS[key]?.catalog;
        const code = baseDataNumber(value);
        if (!catalog || code === undefined || code === "") continue;
        if (!catalog.some((e) => e.number === code)) {
          errors.push(error(key, `字段“${labelOf(key)}”的值“${code}”在系统中不存在或未审核。`, MSG.notExist));
        }
      }
    }
    if (errors.length > 0) return errors;

    const status = options.autoSubmitAndAudit ? "C" : "A";
    if (existing) {
      const replaced = options.needUpdateFields.length > 0 ? { ...existing, ...sent } : { ...systemFieldsOf(existing), ...sent };
      const updated = { ...replaced, FCUSTID: existing.FCUSTID, FNumber: number || existing.FNumber, FDocumentStatus: status, FModifyDate: now() } as Customer;
      this.byNumber.delete(existing.FNumber, orgScopeOf(existing));
      this.put(updated);
      return updated;
    }
    const created = {
      ...withOrgs(sent),
      FCUSTID: this.nextId++,
      FNumber: number || this.autoNumber(),
      FDocumentStatus: status,
      FForbidStatus: "A",
      FCreateDate: now(),
      FModifyDate: now(),
    } as Customer;
    this.put(created);
    return created;
  }

  /** Admin: stores customers as they are (no checks but uniqueness), to make numbers "taken". */
  preCreate(models: Record<string, unknown>[]): { created: RecordSuccess[]; rejected: string[] } {
    const created: RecordSuccess[] = [];
    const rejected: string[] = [];
    models.forEach((model, dIndex) => {
      const number = model.FNumber === undefined ? this.autoNumber() : String(model.FNumber);
      if (this.byNumber.get(number, orgScopeOf(model)) !== undefined) {
        rejected.push(number);
        return;
      }
      const customer = { FName: `客户 ${number}`, ...withOrgs(model), FCUSTID: this.nextId++, FNumber: number, FDocumentStatus: "C", FForbidStatus: "A", FCreateDate: now(), FModifyDate: now() } as Customer;
      this.put(customer);
      created.push({ Id: customer.FCUSTID, Number: number, DIndex: dIndex });
    });
    return { created, rejected };
  }

  /** ExecuteBillQuery: rows of the FieldKeys columns, in FCUSTID order unless OrderString says otherwise. */
  query(args: QueryArgs): unknown[][] {
    const formId = String(args.FormId ?? "");
    if (formId !== FORM_ID) throw new QueryError(`业务对象“${formId}”不存在（模拟器只有 ${FORM_ID}）。`, 5);
    const keys = String(args.FieldKeys ?? "")
      .split(",")
      .map((k) => k.trim())
      .filter(Boolean);
    if (keys.length === 0) throw new QueryError("FieldKeys 不能为空。", MSG.badParameter);
    keys.forEach(checkFieldKey);
    let filter;
    try {
      filter = parseFilterString(args.FilterString);
    } catch (e) {
      if (e instanceof FilterError) throw new QueryError(e.message, MSG.badParameter);
      throw e;
    }
    filter.fields.forEach(checkFieldKey);

    const lookup = filter.lookup && resolveKey(filter.lookup.field);
    const candidates =
      lookup === "FNumber" || lookup === "FCUSTID"
        ? this.indexed(lookup, filter.lookup!.values)
        : this.list();
    let rows = candidates.filter((c) => filter.filter((key) => readField(c, key)));
    const order = String(args.OrderString ?? "").trim();
    if (order) {
      const [key = "", direction = "asc"] = order.split(/\s+/);
      checkFieldKey(key);
      const sign = direction.toLowerCase() === "desc" ? -1 : 1;
      rows = rows.sort((a, b) => {
        const x = readField(a, key);
        const y = readField(b, key);
        return sign * (typeof x === "number" && typeof y === "number" ? x - y : String(x ?? "").localeCompare(String(y ?? "")));
      });
    }
    return pageOf(rows, args).map((c) => keys.map((k) => readField(c, k)));
  }

  /** Customers whose FNumber / FCUSTID is one of `values` (every organisation's copy), in FCUSTID order, via the indexes. */
  private indexed(key: "FNumber" | "FCUSTID", values: (string | number)[]): Customer[] {
    const ids = values.flatMap((v) => (key === "FCUSTID" ? [asId(v)] : this.byNumber.ids(paddedText(String(v)))));
    const found = [...new Set(ids)].flatMap((id) => (id ? (this.byId.get(id) ?? []) : []));
    return found.sort((a, b) => a.FCUSTID - b.FCUSTID);
  }

  private put(customer: Customer): void {
    this.byId.set(customer.FCUSTID, customer);
    this.byNumber.set(customer.FNumber, orgScopeOf(customer), customer.FCUSTID);
  }

  /** Kingdee's default coding rule for customers: CUST0001, CUST0002 … skipping taken numbers. */
  private autoNumber(): string {
    for (;;) {
      const number = `CUST${String(this.nextAutoNumber++).padStart(4, "0")}`;
      if (!this.byNumber.has(number)) return number;
    }
  }
}

function systemFieldsOf(customer: Customer): Record<string, unknown> {
  return Object.fromEntries(Object.entries(customer).filter(([k]) => k in SYSTEM_FIELDS));
}

function resolveKey(key: string): string | undefined {
  const lower = key.toLowerCase();
  return [...Object.keys(CUSTOMER_FIELDS), ...Object.keys(SYSTEM_FIELDS)].find((k) => k.toLowerCase() === lower);
}

function checkFieldKey(key: string): void {
  const [base = "", sub] = key.split(".");
  const resolved = resolveKey(base);
  const catalog = resolved ? CUSTOMER_FIELDS[resolved]?.catalog : undefined;
  if (!resolved || (sub !== undefined && (!catalog || !["fnumber", "fname", "fid"].includes(sub.toLowerCase())))) {
    throw new QueryError(`字段“${key}”在业务对象 ${FORM_ID} 中不存在。`, 9);
  }
}

/** Field keys are case-insensitive, as in Kingdee; `FCreateOrgId.FNumber` reads into base data. */
function readField(customer: Customer, key: string): unknown {
  const [base = "", sub] = key.split(".");
  const resolved = resolveKey(base) ?? base;
  const value = customer[resolved];
  const catalog = CUSTOMER_FIELDS[resolved]?.catalog;
  if (!catalog) return value ?? null;
  const number = baseDataNumber(value);
  const entry: BaseDataEntry | undefined = catalog.find((e) => e.number === number);
  switch (sub?.toLowerCase()) {
    case "fnumber":
      return number ?? null;
    case "fname":
      return entry?.name ?? null;
    default:
      return entry?.id ?? 0;
  }
}
