import { describe, expect, it } from "vitest";
import { errors, issuesOf, source, target, variant, warningsOf } from "../../test/compile-helpers";
import { catalog, vars } from "../../test/fake-catalog";
import { mapRecord } from "../map-record";
import type { SchemeDefinition } from "../scheme";
import { compileScheme, type RunPlan } from ".";

/** The seed turned into 发货单 → 销售出库单 with FEntity from details. */
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
          filter: "{{qty}}",
          mapping: { FMaterialID: "{{item_code}}", FRealQty: "{{qty}}", FTaxPrice: "{{price}}", FEntrynote: "{{$parent.code}}" },
        },
      },
    });
    change(d);
  });
}

function planOf(def: SchemeDefinition): RunPlan {
  const r = compileScheme(def, catalog);
  if (!r.ok) throw new Error(r.issues.map((i) => i.messageEn).join("; "));
  return r.plan;
}

const entries = (d: SchemeDefinition) => target(d).config.entries;

describe("compileScheme: entry tables", () => {
  it("compiles an entry table from a source list, in the form's field order", () => {
    const plan = planOf(outstock());
    expect(plan.target.entries).toHaveLength(1);
    expect(plan.target.entries[0]).toMatchObject({ key: "FEntity", from: ["details"] });
    expect(Object.keys(plan.target.entries[0]!.mapping)).toEqual(["FMaterialID", "FRealQty", "FTaxPrice", "FEntrynote"]);
    expect(warningsOf(outstock())).toEqual([]);
  });

  it("reports an entry table without a source list, and one whose list is not a list", () => {
    const [none] = errors(issuesOf(outstock((d) => (entries(d).FEntity!.from = ""))));
    expect(none).toMatchObject({ path: ["nodes", 1, "config", "entries", "FEntity", "from"], field: "FEntity" });
    expect(none?.message).toContain("还没有选择源列表");
    expect(none?.message).toContain("details（商品明细）");
    const [scalar] = errors(issuesOf(outstock((d) => (entries(d).FEntity!.from = "shop_code"))));
    expect(scalar?.message).toContain("不是列表");
  });

  it("only warns about an undocumented list, and then cannot check its rows", () => {
    const warnings = warningsOf(outstock((d) => (entries(d).FEntity!.from = "lines")));
    expect(warnings).toEqual([expect.objectContaining({ path: ["nodes", 1, "config", "entries", "FEntity", "from"], severity: "warning" })]);
  });

  it("reports a row template reading a field the list's items do not have, and $parent fields as head paths", () => {
    const issues = issuesOf(
      outstock((d) => {
        entries(d).FEntity!.mapping.FMaterialID = "{{sku}}";
        entries(d).FEntity!.mapping.FEntrynote = "{{$parent.memo}}";
      }),
    );
    expect(errors(issues)).toEqual([
      expect.objectContaining({ path: ["nodes", 1, "config", "entries", "FEntity", "mapping", "FMaterialID"], field: "FMaterialID", start: 2, end: 5 }),
    ]);
    expect(errors(issues)[0]?.message).toContain("源列表 details 的每一项中没有 “sku”");
    expect(issues.filter((i) => i.severity === "warning")).toEqual([expect.objectContaining({ field: "FEntrynote" })]);
  });

  it("reports row fields the table does not have and required row fields left unmapped", () => {
    const issues = errors(
      issuesOf(
        outstock((d) => {
          entries(d).FEntity!.mapping.FColour = "red";
          delete entries(d).FEntity!.mapping.FRealQty;
        }),
      ),
    );
    expect(issues.map((i) => i.path.slice(3))).toEqual([
      ["entries", "FEntity", "mapping", "FColour"],
      ["entries", "FEntity", "mapping", "FRealQty"],
    ]);
    expect(issues[1]?.message).toContain("分录 FEntity 的必填字段 FRealQty（实发数量）没有映射");
  });

  it("reports a required entry table left unmapped, an unknown one, and an entry table mapped as a head field", () => {
    const issues = errors(
      issuesOf(
        outstock((d) => {
          delete entries(d).FEntity;
          entries(d).FSubEntity = { from: "details", filter: "", mapping: {} };
          target(d).config.mapping.FEntity = "{{details}}";
        }),
      ),
    );
    expect(issues.map((i) => i.path.slice(3))).toEqual([
      ["mapping", "FEntity"],
      ["entries", "FSubEntity"],
      ["entries", "FEntity"],
    ]);
    expect(issues[0]?.message).toContain("是分录（单据体）");
    expect(issues[1]?.message).toContain("没有分录 “FSubEntity”");
    expect(issues[2]?.message).toContain("必填分录 FEntity（明细信息）没有映射");
  });

  it("reports $parent in a head template and a constant row value of the wrong type", () => {
    const issues = errors(
      issuesOf(
        outstock((d) => {
          target(d).config.mapping.FBillNo = "{{$parent.code}}";
          entries(d).FEntity!.mapping.FRealQty = "many";
        }),
      ),
    );
    expect(issues.map((i) => i.field)).toEqual(["FBillNo", "FRealQty"]);
    expect(issues[0]?.message).toContain("只能用在分录行的模板中");
    expect(issues[1]?.message).toContain("需要数字");
  });

  it("allows separate audit only for bills, and then never audits in the save", () => {
    const plan = planOf(outstock((d) => Object.assign(target(d).config, { audit: "separate", options: { IsAutoSubmitAndAudit: true } })));
    expect(plan.target.audit).toBe("separate");
    expect(plan.target.options.IsAutoSubmitAndAudit).toBe(false);
    const [issue] = issuesOf(variant((d) => (target(d).config.audit = "separate")));
    expect(issue).toMatchObject({ path: ["nodes", 1, "config", "audit"] });
    expect(issue?.message).toContain("不是单据");
  });
});

describe("mapRecord: documents with rows", () => {
  const delivery = {
    code: "SDO1",
    shop_code: "S01",
    create_date: "2025-03-28 14:31:03",
    details: [
      { item_code: "A", qty: 2, price: "12.5" },
      { item_code: "GIFT", qty: 0, price: 0 },
      { item_code: "B", qty: "3", price: 4 },
    ],
  };

  it("makes one row per kept item, reading the item and $parent", () => {
    const { payload, errors } = mapRecord(planOf(outstock()).target, delivery, vars, "Asia/Shanghai");
    expect(errors).toEqual([]);
    expect(payload).toEqual({
      FBillNo: "SDO1",
      FDate: "2025-03-28 14:31:03",
      FCustomerID: "S01",
      "SubHeadEntity.FSettleCurrID": "PRE001",
      FEntity: [
        { FMaterialID: "A", FRealQty: 2, FTaxPrice: 12.5, FEntrynote: "SDO1" },
        { FMaterialID: "B", FRealQty: 3, FTaxPrice: 4, FEntrynote: "SDO1" },
      ],
    });
  });

  it("names the row of an error, counting kept rows from 1 as Kingdee does", () => {
    const record = { ...delivery, details: [{ item_code: "A", qty: 1 }, { item_code: "", qty: 0 }, { item_code: "", qty: 5 }, { item_code: "C", qty: "x" }] };
    const { errors } = mapRecord(planOf(outstock()).target, record, vars, "Asia/Shanghai");
    expect(errors.map((e) => e.field)).toEqual(["FEntity[2].FMaterialID", "FEntity[3].FRealQty"]);
    expect(errors[0]?.message).toContain("FEntity[2] 的必填字段 FMaterialID（物料编码）为空");
  });

  it("keeps every item without a filter, and treats 0, '0', false and empty as filtered out", () => {
    const all = mapRecord(planOf(outstock((d) => (entries(d).FEntity!.filter = ""))).target, delivery, vars, "Asia/Shanghai");
    expect((all.payload.FEntity as unknown[]).length).toBe(3);
    const flags = { ...delivery, details: [0, "0", false, "", null, "false", 1, "yes"].map((qty, i) => ({ item_code: `I${i}`, qty })) };
    const some = mapRecord(planOf(outstock((d) => (entries(d).FEntity!.mapping.FRealQty = "1"))).target, flags, vars, "Asia/Shanghai");
    expect((some.payload.FEntity as { FMaterialID: string }[]).map((r) => r.FMaterialID)).toEqual(["I6", "I7"]);
  });

  it("fails a record whose list is not an array, is empty for a required table, or is too long", () => {
    const target = planOf(outstock()).target;
    const notList = mapRecord(target, { ...delivery, details: { item_code: "A" } }, vars, "Asia/Shanghai");
    expect(notList.errors).toEqual([expect.objectContaining({ field: "FEntity", message: expect.stringContaining("不是数组") })]);
    expect(notList.payload.FEntity).toBeUndefined();
    const empty = mapRecord(target, { ...delivery, details: [{ item_code: "A", qty: 0 }] }, vars, "Asia/Shanghai");
    expect(empty.errors).toEqual([expect.objectContaining({ field: "FEntity", message: expect.stringContaining("没有行") })]);
    const missing = mapRecord(target, { code: "SDO2", shop_code: "S", create_date: "2025-01-01" }, vars, "Asia/Shanghai");
    expect(missing.errors.map((e) => e.field)).toEqual(["FEntity"]);
    const huge = { ...delivery, details: Array.from({ length: 10_000 }, (_, i) => ({ item_code: `I${i}`, qty: 1 })) };
    const tooLong = mapRecord(target, huge, vars, "Asia/Shanghai");
    expect(tooLong.errors).toEqual([expect.objectContaining({ field: "FEntity", message: expect.stringContaining("超过 2000 行") })]);
    expect(tooLong.payload.FEntity).toBeUndefined();
  });
});
