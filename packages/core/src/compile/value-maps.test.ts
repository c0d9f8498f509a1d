import { describe, expect, it } from "vitest";
import { errors, source, target, variant } from "../../test/compile-helpers";
import { catalog, vars } from "../../test/fake-catalog";
import { mapRecord } from "../map-record";
import type { SchemeDefinition } from "../scheme";
import type { ValueMapData } from "../template/types";
import { compileScheme, planValueMaps, type RunPlan } from ".";

const WAREHOUSES = "仓库对照";

/** 发货单 → 销售出库单 whose rows take FEntrynote through the warehouse map (a string row field of the fake form). */
function outstock(change: (d: SchemeDefinition) => void = () => {}): SchemeDefinition {
  return variant((d) => {
    Object.assign(source(d).config, { api: "gy.erp.trade.deliverys.get", listKey: "deliverys", idField: "code" });
    Object.assign(target(d).config, {
      formId: "SAL_OUTSTOCK",
      options: {},
      mapping: { FBillNo: "{{code}}", FDate: "{{create_date}}", FCustomerID: "{{shop_code}}", "SubHeadEntity.FSettleCurrID": "PRE001" },
      entries: {
        FEntity: {
          from: "details",
          filter: "",
          mapping: { FMaterialID: "{{item_code}}", FRealQty: "{{qty}}", FEntrynote: `{{$parent.warehouse_code | map('${WAREHOUSES}')}}` },
        },
      },
    });
    change(d);
  });
}

const withMaps = (...names: string[]) => ({ ...catalog, valueMaps: new Set(names) });

function planOf(def: SchemeDefinition): RunPlan {
  const r = compileScheme(def, withMaps(WAREHOUSES, "店铺对照"));
  if (!r.ok) throw new Error(r.issues.map((i) => i.messageEn).join("; "));
  return r.plan;
}

const maps = (defaultValue?: string): ReadonlyMap<string, ValueMapData> =>
  new Map([[WAREHOUSES, { entries: new Map([["WH01", "CK001"], ["WH02", "CK002"]]), ...(defaultValue !== undefined && { default: defaultValue }) }]]);

const delivery = (warehouse: string) => ({
  code: "D1",
  shop_code: "S1",
  create_date: "2026-11-28 10:00:00",
  warehouse_code: warehouse,
  details: [
    { item_code: "I1", qty: 1 },
    { item_code: "I2", qty: 2 },
  ],
});

describe("value maps in a scheme", () => {
  it("refuses a map name that does not exist, at the template's position, naming the maps there are", () => {
    const r = compileScheme(outstock(), withMaps("店铺对照"));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const [issue, ...rest] = errors(r.issues);
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({ path: ["nodes", 1, "config", "entries", "FEntity", "mapping", "FEntrynote"], field: "FEntrynote" });
    expect(issue!.message).toContain("值映射 “仓库对照” 不存在");
    expect(issue!.message).toContain("店铺对照");
    const source = `{{$parent.warehouse_code | map('${WAREHOUSES}')}}`;
    expect(source.slice(issue!.start, issue!.end)).toBe(`map('${WAREHOUSES}')`);
  });

  it("checks head mappings and source params too, and skips the check when the catalog lists no maps", () => {
    const def = outstock((d) => {
      target(d).config.mapping.FCustomerID = "{{shop_code | map('店铺')}}";
      source(d).config.params.page_no = "{{PAGINATION_START_PAGE | map('页')}}";
    });
    const r = compileScheme(def, withMaps(WAREHOUSES));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(errors(r.issues).map((i) => i.field).sort()).toEqual(["FCustomerID", "page_no"]);
    expect(compileScheme(def, catalog).ok).toBe(true);
  });

  it("says which maps a plan uses", () => {
    const plan = planOf(outstock((d) => (target(d).config.mapping.FCustomerID = "{{shop_code | map('店铺对照')}}")));
    expect(planValueMaps(plan)).toEqual(["仓库对照", "店铺对照"]);
    expect(planValueMaps(planOf(outstock((d) => (target(d).config.entries.FEntity!.mapping.FEntrynote = "{{$parent.code}}"))))).toEqual([]);
  });

  it("maps each row through the table", () => {
    const { payload, errors } = mapRecord(planOf(outstock()).target, delivery("WH02"), vars, "Asia/Shanghai", maps());
    expect(errors).toEqual([]);
    expect((payload.FEntity as Record<string, unknown>[]).map((r) => r.FEntrynote)).toEqual(["CK002", "CK002"]);
  });

  it("fails the record on a value the map lacks, naming the map and the value, once per field and row", () => {
    const { errors } = mapRecord(planOf(outstock()).target, delivery("WH03"), vars, "Asia/Shanghai", maps());
    expect(errors.map((e) => e.field)).toEqual(["FEntity[1].FEntrynote", "FEntity[2].FEntrynote"]);
    expect(errors[0]!.message).toContain("值映射 “仓库对照” 中没有源值 “WH03”");
    expect(errors[0]!.messageEn).toContain('the value map "仓库对照" has no source value "WH03"');
  });

  it("uses the default for a value the map lacks", () => {
    const { payload, errors } = mapRecord(planOf(outstock()).target, delivery("WH03"), vars, "Asia/Shanghai", maps("CK009"));
    expect(errors).toEqual([]);
    expect((payload.FEntity as Record<string, unknown>[])[0]!.FEntrynote).toBe("CK009");
  });

  it("reports a map that was not loaded (deleted after the scheme was saved) per record, not an empty field", () => {
    const { payload, errors } = mapRecord(planOf(outstock()).target, delivery("WH01"), vars, "Asia/Shanghai", new Map());
    expect(errors[0]!.message).toContain("值映射 “仓库对照” 不存在");
    expect((payload.FEntity as Record<string, unknown>[])[0]).not.toHaveProperty("FEntrynote");
  });

  it("fails a row filter that cannot map, as an error of the entry table", () => {
    const plan = planOf(outstock((d) => (target(d).config.entries.FEntity!.filter = `{{item_code | map('${WAREHOUSES}')}}`)));
    const { errors } = mapRecord(plan.target, delivery("WH01"), vars, "Asia/Shanghai", maps());
    // Both rows fail their filter, so the required table is also empty.
    expect(errors.map((e) => e.field)).toEqual(["FEntity.filter", "FEntity.filter", "FEntity"]);
    expect(errors[0]!.message).toContain("“I1”");
  });
});
