// The row filter `{{qty}}` skips lines whose quantity is 0 (TEMPLATES.md, the seeded 发货单 → 销售出库单
// scheme), also when 管易云 sends it as decimal text ("0.00", "0.0"), which some tenants do for numeric
// fields. Before session 25 (its audit) such a zero line was written into the 销售出库单 as a row of 0.
import { describe, expect, it } from "vitest";
import { source, target, variant } from "../test/compile-helpers";
import { catalog, vars } from "../test/fake-catalog";
import { compileScheme, type RunPlan } from "./compile";
import { keepsRow, mapRecord } from "./map-record";

function outstockPlan(): RunPlan {
  const d = variant((d) => {
    Object.assign(source(d).config, { api: "gy.erp.trade.deliverys.get", listKey: "deliverys", idField: "code" });
    Object.assign(target(d).config, {
      formId: "SAL_OUTSTOCK",
      options: {},
      mapping: { FBillNo: "{{code}}", FDate: "{{create_date}}", FCustomerID: "{{shop_code}}" },
      entries: { FEntity: { from: "details", filter: "{{qty}}", mapping: { FMaterialID: "{{item_code}}", FRealQty: "{{qty}}" } } },
    });
  });
  const r = compileScheme(d, catalog);
  if (!r.ok) throw new Error(r.issues.map((i) => i.messageEn).join("; "));
  return r.plan;
}

describe("row filter {{qty}} on decimal-text quantities", () => {
  it("skips a line whose quantity is the text 0.00 as it skips 0 and \"0\"", () => {
    const plan = outstockPlan();
    const delivery = {
      code: "SDO1",
      create_date: "2025-02-25 09:20:47",
      shop_code: "S1",
      details: [
        { item_code: "A", qty: "2.00" },
        { item_code: "GIFT", qty: "0.00" },
      ],
    };
    const { payload, errors } = mapRecord(plan.target, delivery, vars, plan.timezone);
    expect(errors).toEqual([]);
    // The zero line must not become a 销售出库单 row with FRealQty 0.
    expect(payload.FEntity).toEqual([{ FMaterialID: "A", FRealQty: 2 }]);
  });

  it("keepsRow treats every zero quantity alike", () => {
    expect(keepsRow(0)).toBe(false);
    expect(keepsRow("0")).toBe(false);
    expect(keepsRow("0.0")).toBe(false);
  });
});
