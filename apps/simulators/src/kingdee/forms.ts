// The form registry: BD_Customer, BD_MATERIAL, SAL_OUTSTOCK and the read-only base-data forms
// BD_STOCK and BD_UNIT (./base-data-forms.ts) behind one interface, so the
// services (Save/BatchSave, ExecuteBillQuery, View, Submit, Audit) and the admin API treat them
// alike. Form ids are matched case-insensitively (`BD_Material` for Save, `BD_MATERIAL` for queries
// in Kingdee's own demo [K2]).
import { BaseData } from "./base-data";
import { catalogForms } from "./base-data-forms";
import { CustomerStore, type Customer } from "./customers";
import { queryDocuments, type QueryArgs } from "./document-query";
import { DocumentStore, operateOn, type DocumentSaveOptions, type Operation, type OperationTarget } from "./documents";
import type { RecordError, RecordSuccess } from "./form-spec";
import { materialSpec } from "./materials";
import { outstockSpec } from "./outstock";
import { StockLedger } from "./stock";

export type FormSaveOptions = DocumentSaveOptions;

export interface SaveOutcome {
  successes: RecordSuccess[];
  errors: RecordError[];
  saved: Record<string, unknown>[];
}

export interface Form {
  readonly formId: string;
  save(models: unknown[], options: FormSaveOptions): SaveOutcome;
  query(args: QueryArgs): unknown[][];
  /** View's `Result.Result`, undefined when absent. */
  view(target: OperationTarget, lcid: number): Record<string, unknown> | undefined;
  operate(op: Operation, targets: OperationTarget[], flags: string[]): { successes: RecordSuccess[]; errors: RecordError[] };
  list(): Record<string, unknown>[];
  delete(numbers: string[]): number;
  readonly size: number;
  readonly duplicateAttempts: number;
  clear(): void;
}

export interface FormsOptions {
  customerRequired: readonly string[];
  materialRequired?: readonly string[];
  outstockRequired?: readonly string[];
  openingStock: number;
}

function customerView(c: Customer, lcid: number): Record<string, unknown> {
  const { FCUSTID, FNumber, FName, FDocumentStatus, FForbidStatus, FCreateDate, FModifyDate, ...fields } = c;
  return {
    Id: FCUSTID,
    Number: FNumber,
    Name: [{ Key: lcid, Value: FName ?? "" }],
    DocumentStatus: FDocumentStatus,
    ForbidStatus: FForbidStatus,
    CreateDate: FCreateDate,
    ModifyDate: FModifyDate,
    ...fields,
  };
}

function customerForm(store: CustomerStore): Form {
  const find = (t: OperationTarget) => store.byNumberOrId("number" in t ? t.number : undefined, "id" in t ? t.id : 0);
  return {
    formId: "BD_Customer",
    save: (models, o) => store.save(models, { needUpdateFields: o.needUpdateFields, verifyBaseData: o.verifyBaseData, validate: o.validate, autoSubmitAndAudit: o.autoSubmitAndAudit }),
    query: (args) => store.query({ ...args, FormId: "BD_Customer" }),
    view: (t, lcid) => {
      const c = find(t);
      return c && customerView(c, lcid);
    },
    operate: (op, targets, flags) =>
      operateOn(op, targets, flags, { name: "客户", find, idOf: (r) => r.FCUSTID as number, numberOf: (r) => r.FNumber as string }),
    list: () => store.list(),
    delete: (numbers) => store.delete(numbers),
    get size() {
      return store.size;
    },
    get duplicateAttempts() {
      return store.duplicateAttempts;
    },
    clear: () => store.clear(),
  };
}

function documentForm(store: DocumentStore, baseData: BaseData): Form {
  return {
    formId: store.spec.formId,
    save: (models, options) => store.save(models, options),
    query: (args) => queryDocuments(store, baseData, args),
    view: (t, lcid) => {
      const record = store.find(t);
      return record && store.view(record, lcid);
    },
    operate: (op, targets, flags) => store.operate(op, targets, flags),
    list: () => store.list(),
    delete: (numbers) => store.delete(numbers),
    get size() {
      return store.size;
    },
    get duplicateAttempts() {
      return store.duplicateAttempts;
    },
    clear: () => store.clear(),
  };
}

/** One simulator's forms, base data and stock. */
export class FormRegistry {
  readonly customers: CustomerStore;
  readonly materials: DocumentStore;
  readonly outstock: DocumentStore;
  readonly baseData: BaseData;
  readonly stock: StockLedger;
  private readonly forms: Form[];

  constructor(options: FormsOptions) {
    this.customers = new CustomerStore(options.customerRequired);
    this.baseData = new BaseData({
      customer: (number) => {
        const c = this.customers.byNumberOrId(number, 0);
        return c && { id: c.FCUSTID, number: c.FNumber, name: String(c.FName ?? "") };
      },
      material: (number) => {
        const m = this.materials.find({ number });
        return m && { id: m.FMATERIALID as number, number, name: String(m.FName ?? "") };
      },
    });
    this.stock = new StockLedger(options.openingStock);
    this.materials = new DocumentStore(materialSpec(options.materialRequired), this.baseData);
    const outstock = outstockSpec(options.outstockRequired);
    this.outstock = new DocumentStore(outstock, this.baseData, this.stock.outbound(outstock.name, this.baseData));
    this.forms = [customerForm(this.customers), documentForm(this.materials, this.baseData), documentForm(this.outstock, this.baseData), ...catalogForms(this.baseData)];
  }

  get(formId: string): Form | undefined {
    const lower = formId.toLowerCase();
    return this.forms.find((f) => f.formId.toLowerCase() === lower);
  }

  get ids(): string[] {
    return this.forms.map((f) => f.formId);
  }

  all(): Form[] {
    return [...this.forms];
  }

  /** Empties every form and the stock; base data returns to the seeded catalogs. */
  clear(): void {
    for (const form of this.forms) form.clear();
    this.stock.clear();
    this.baseData.reset();
  }
}
