// Metadata against guanyi-documents.md (session 27's audit of items and orders): gy.erp.trade.get's metadata listed 9 response fields, while
// shared/protocols/guanyi-documents.md § gy.erp.trade.get documents (sample [G6] and the
// "Order fields besides the above" list) the order's shop, warehouse, modification time, cancel
// flag, approval, delivery state, its `details` lines (item_code, sku_code, qty, price …),
// `payments` and `deliverys`. A scheme that turns an order into a 销售出库单 — the obvious use:
// customer from shop_code, rows from details, warehouse through a value map — is told at save
// time that these fields did not exist and "运行时该值为空" (will be empty at run time), the rows
// were not checked at all, and the editor offered none of them. Expected: the documented fields are
// in the metadata, so this scheme compiles without warnings (as the delivery demo does).
import { compileScheme, seedDeliveriesSchemeDefinition, type SchemeCatalog, type SchemeDefinition } from "@qiao/core";
import { describe, expect, it } from "vitest";
import { connectors } from "../index";
import { findSourceApi } from "./meta";

const SOURCE = "0b6f6a3e-2c1d-4a5b-9c8d-7e6f5a4b3c2d";
const TARGET = "1c7a7b4f-3d2e-4b6c-8d9e-8f7a6b5c4d3e";

const catalog: SchemeCatalog = {
  connections: new Map([
    [SOURCE, { platform: "guanyi" }],
    [TARGET, { platform: "kingdee" }],
  ]),
  connectors: new Map(Object.values(connectors).map((c) => [c.meta.platform, c.meta])),
};

function ordersScheme(): SchemeDefinition {
  const d = seedDeliveriesSchemeDefinition({ sourceConnectionId: SOURCE, targetConnectionId: TARGET });
  const source = d.nodes.find((n) => n.type === "source")!.config as Record<string, unknown>;
  Object.assign(source, {
    api: "gy.erp.trade.get",
    params: {
      start_date: "{{LAST_SYNC_TIME datetime}}",
      end_date: "{{CURRENT_TIME datetime}}",
      date_type: "3",
      page_size: "{{PAGINATION_PAGE_SIZE}}",
      page_no: "{{PAGINATION_START_PAGE}}",
    },
    idField: "code",
    listKey: "orders",
  });
  const target = d.nodes.find((n) => n.type === "target")!.config as { mapping: Record<string, string>; entries: Record<string, { mapping: Record<string, string> }> };
  target.mapping = {
    FBillTypeID: "XSCKD01_SYS",
    FBillNo: "{{code}}",
    FDate: "{{createtime date}}",
    FSaleOrgId: "100",
    FStockOrgId: "100",
    // Documented order fields (guanyi-documents.md sample [G6]).
    FCustomerID: "{{shop_code}}",
    FNote: "管易云 {{platform_code}} {{modifytime}}",
  };
  target.entries.FEntity!.mapping = {
    FMaterialID: "{{item_code}}",
    FUnitID: "Pcs",
    FRealQty: "{{qty}}",
    FTaxPrice: "{{price}}",
    FStockID: "{{$parent.warehouse_code}}",
    FEntrynote: "{{sku_code}}",
  };
  return d;
}

describe("gy.erp.trade.get metadata against guanyi-documents.md", () => {
  it("an order → 销售出库单 scheme reading documented order fields compiles without 'field does not exist' warnings", () => {
    const result = compileScheme(ordersScheme(), catalog);
    expect(result.ok ? [] : result.issues.map((i) => `${i.path.join(".")}: ${i.messageEn}`)).toEqual([]);
    expect(result.ok && result.warnings.map((i) => `${i.path.join(".")}: ${i.messageEn}`)).toEqual([]);
  });

  it("lists the documented order fields, and the details' line fields", () => {
    const api = findSourceApi("gy.erp.trade.get")!;
    const keys = api.response.map((f) => f.key);
    for (const key of ["shop_code", "warehouse_code", "modifytime", "cancle", "approve", "delivery_state", "vip_code", "qty", "details", "payments", "deliverys"]) {
      expect(keys, key).toContain(key);
    }
    const details = api.response.find((f) => f.key === "details");
    expect(details?.fields?.map((f) => f.key)).toEqual(expect.arrayContaining(["item_code", "sku_code", "qty", "price", "amount", "refund"]));
  });
});
