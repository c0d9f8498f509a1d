// Base data as forms: 仓库 (BD_STOCK) and 计量单位 (BD_UNIT) read from the simulator's catalogs
// (./base-data.ts), so ExecuteBillQuery and View find them as on a K/3 Cloud server — what the
// connector's queryValues (the template filter erp_lookup) reads. One form per addable catalog kind:
// what POST /__admin/base-data adds is queryable at once, and DELETE /__admin/forms/BD_STOCK removes it.
//
// Read-only here: a Save / BatchSave is refused per Model entry with MsgCode 2 (没有权限, from the
// MsgCode list in shared/protocols/kingdee.md) — what 金蝶 answers an API user without the form's
// 新增/修改 permission. The message text is ours (Kingdee's own wording is not published). Submit /
// Audit find the entry 已审核 and refuse as for any audited record.
import { ADDABLE_KINDS, type BaseData, type BaseDataEntry } from "./base-data";
import { compareCells, fieldKeysOf, filterOf, orderOf, pageOf, unknownField, type QueryArgs } from "./document-query";
import { operateOn, type OperationTarget } from "./documents";
import { fieldKeyResolver, type RecordError } from "./form-spec";
import type { Form } from "./forms";

type AddableKind = (typeof ADDABLE_KINDS)[number];

/** MsgCode 2: 没有权限 (kingdee.md). */
const NO_PERMISSION = 2;

interface CatalogFormSpec {
  formId: string;
  /** 中文 name for messages. */
  name: string;
  /** The internal id key (Kingdee's primary key field of the form). */
  idKey: string;
}

/** Every addable kind has its form (the `Record` makes a new kind without one a type error). */
export const CATALOG_FORMS: Record<AddableKind, CatalogFormSpec> = {
  stock: { formId: "BD_STOCK", name: "仓库", idKey: "FStockId" },
  unit: { formId: "BD_UNIT", name: "计量单位", idKey: "FUNITID" },
};

type Row = Record<string, unknown> & { FNumber: string };

/** Catalog entries are 已审核 (C) and 未禁用 (A): the state base data has once it can be referred to. */
function rowOf(spec: CatalogFormSpec, e: BaseDataEntry): Row {
  return { [spec.idKey]: e.id, FNumber: e.number, FName: e.name, FDocumentStatus: "C", FForbidStatus: "A" };
}

function catalogForm(baseData: BaseData, kind: AddableKind): Form {
  const spec = CATALOG_FORMS[kind];
  const resolve = fieldKeyResolver([spec.idKey, "FNumber", "FName", "FDocumentStatus", "FForbidStatus"]);
  const column = (key: string): string => {
    // Sub-properties (`FName.xxx`) do not exist on these plain fields.
    const resolved = resolve(key);
    if (!resolved) throw unknownField(key);
    return resolved;
  };
  const rows = (): Row[] =>
    baseData
      .list(kind)
      .sort((a, b) => a.id - b.id)
      .map((e) => rowOf(spec, e));
  const find = (t: OperationTarget): Row | undefined => {
    const entry = "id" in t ? baseData.list(kind).find((e) => e.id === t.id) : baseData.find(kind, t.number);
    return entry && rowOf(spec, entry);
  };

  return {
    formId: spec.formId,
    save(models) {
      const errors: RecordError[] = models.map((_, dIndex) => ({
        FieldName: null,
        Message: `没有“${spec.name}”的新增/修改权限（模拟器的${spec.name}只读，请用管理接口 POST /__admin/base-data 添加）。`,
        DIndex: dIndex,
        msgCode: NO_PERMISSION,
      }));
      return { successes: [], errors, saved: [] };
    },
    query(args: QueryArgs) {
      const keys = fieldKeysOf(args).map(column);
      const filter = filterOf(args);
      const filterKeys = new Map(filter.fields.map((f) => [f, column(f)]));
      const order = orderOf(args).map(({ key, sign }) => ({ key: column(key), sign }));
      let found = rows().filter((r) => filter.filter((f) => r[filterKeys.get(f)!]));
      if (order.length > 0) {
        found = found.sort((a, b) => {
          for (const { key, sign } of order) {
            const d = compareCells(a[key], b[key]);
            if (d !== 0) return sign * d;
          }
          return 0;
        });
      }
      return pageOf(found, args).map((r) => keys.map((k) => r[k] ?? null));
    },
    view(t, lcid) {
      const r = find(t);
      return r && { Id: r[spec.idKey], Number: r.FNumber, Name: [{ Key: lcid, Value: r.FName }], DocumentStatus: "C", ForbidStatus: "A" };
    },
    operate: (op, targets, flags) =>
      operateOn(op, targets, flags, { name: spec.name, find, idOf: (r) => r[spec.idKey] as number, numberOf: (r) => String(r.FNumber) }),
    list: rows,
    delete: (numbers) => baseData.remove(kind, numbers),
    get size() {
      return baseData.list(kind).length;
    },
    duplicateAttempts: 0,
    // The registry's clear() returns the base data to its seeded catalogs.
    clear: () => undefined,
  };
}

/** BD_STOCK and BD_UNIT over one simulator's base data. */
export function catalogForms(baseData: BaseData): Form[] {
  return ADDABLE_KINDS.map((kind) => catalogForm(baseData, kind));
}
