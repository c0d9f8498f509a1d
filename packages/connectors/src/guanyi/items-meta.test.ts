// Metadata against guanyi-documents.md (session 27's audit of items and orders): shared/protocols/guanyi-documents.md § gy.erp.items.get documents, per
// sku, `stock_status_code, tax_rate, tax_no, order, goods_id, origin_area, supplier_outerid` (2025
// data; `goods_id` is in the verbatim sample), and the item sample carries `combine_items`. The
// sku list is a documented list, so a row template reading a sku field the metadata lacks is a save
// ERROR (paths.ts checkRef strict), not a warning: `{{goods_id}}` of a sku cannot be mapped at all.
// The metadata left these out. Expected: every documented field is listed.
import { describe, expect, it } from "vitest";
import { findSourceApi } from "./meta";

describe("gy.erp.items.get metadata against guanyi-documents.md", () => {
  it("lists every documented sku field (a row reading one it lacks is refused at save)", () => {
    const api = findSourceApi("gy.erp.items.get")!;
    const skus = api.response.find((f) => f.key === "skus")!;
    const keys = skus.fields!.map((f) => f.key);
    for (const key of ["id", "code", "name", "note", "bar_code", "weight", "volume", "sales_price", "purchase_price", "agent_price", "cost_price", "stock_status_code", "tax_rate", "tax_no", "order", "goods_id", "origin_area", "supplier_outerid"]) {
      expect(keys, key).toContain(key);
    }
  });

  it("lists the item sample's combine_items (组合商品的组成)", () => {
    const keys = findSourceApi("gy.erp.items.get")!.response.map((f) => f.key);
    expect(keys).toContain("combine_items");
  });
});
