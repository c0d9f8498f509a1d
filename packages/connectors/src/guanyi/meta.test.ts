import { describe, expect, it } from "vitest";
import { fieldMetaSchema, sourceApiMetaSchema } from "@qiao/core";
import type { FieldMeta, SourceApiMeta } from "../types";
import { guanyi } from "./index";

const shopApi = () => guanyi.meta.apis.find((a) => a.id === "gy.erp.shop.get") as SourceApiMeta;

describe("guanyi metadata", () => {
  it("names the platform and its endpoint", () => {
    expect(guanyi.meta).toMatchObject({ platform: "guanyi", name: "管易云", nameEn: "Guanyi ERP" });
    expect(guanyi.meta.baseUrl.default).toBe("http://v2.api.guanyierp.com/rest/erp_open");
    for (const host of ["v2.api.guanyierp.com", "//api.guanyierp.com", "api.demo.guanyierp.com"]) expect(guanyi.meta.baseUrl.help).toContain(host);
  });

  it("asks for appkey, sessionkey and secret, the last two secret, and the calls in flight (1 unless set)", () => {
    expect(guanyi.meta.credentialFields.map((f) => [f.key, f.secret])).toEqual([
      ["appkey", false],
      ["sessionkey", true],
      ["secret", true],
      ["concurrency", false],
    ]);
    expect(guanyi.credentials.parse({ appkey: "a", sessionkey: "s", secret: "k" })).toMatchObject({ concurrency: 1 });
    expect(guanyi.credentials.safeParse({ appkey: "a", sessionkey: "s", secret: "k", concurrency: 17 }).success).toBe(false);
    expect(guanyi.credentials.safeParse({ appkey: "a", sessionkey: "s", secret: "k" }).success).toBe(true);
    expect(guanyi.credentials.safeParse({ appkey: "a", sessionkey: "", secret: "k" }).success).toBe(false);
    expect(guanyi.credentials.safeParse({ appkey: "a", sessionkey: "s" }).success).toBe(false);
  });

  it("declares gy.erp.shop.get exactly as documented", () => {
    const api = shopApi();
    expect(api).toMatchObject({
      kind: "source",
      name: "店铺查询",
      listKey: "shops",
      idField: "id",
      paging: { pageNo: "page_no", pageSize: "page_size", defaultPageSize: 50, maxPageSize: 100 },
      window: { start: "modify_start_date", end: "modify_end_date" },
    });
    expect(api.request.map((f) => [f.key, f.label, f.type, f.preset])).toEqual([
      ["modify_start_date", "修改开始时间", "datetime", undefined],
      ["modify_end_date", "修改结束时间", "datetime", "{{CURRENT_TIME datetime}}"],
      ["code", "店铺代码", "string", undefined],
      ["page_size", expect.any(String), "integer", "{{PAGINATION_PAGE_SIZE}}"],
      ["page_no", expect.any(String), "integer", "{{PAGINATION_START_PAGE}}"],
    ]);
    expect(api.response.map((f) => [f.key, f.label])).toEqual([
      ["id", "ID"],
      ["nick", "店铺昵称"],
      ["code", "代码"],
      ["name", "名称"],
      ["create_date", "创建时间"],
      ["modify_date", "修改时间"],
      ["note", "备注"],
      ["type_name", "类型"],
    ]);
  });

  it("declares the other documented read methods with their list keys", () => {
    const lists = Object.fromEntries(guanyi.meta.apis.map((a) => [a.id, a.kind === "source" ? a.listKey : ""]));
    expect(lists).toEqual({
      "gy.erp.shop.get": "shops",
      "gy.erp.items.get": "items",
      "gy.erp.trade.deliverys.get": "deliverys",
      "gy.erp.vip.get": "vips",
      "gy.erp.trade.get": "orders",
      "gy.erp.supplier.get": "supplier_list",
    });
    for (const api of guanyi.meta.apis) {
      expect(api.kind).toBe("source");
      const keys = (api as SourceApiMeta).request.map((f) => f.key);
      expect(keys).toEqual(expect.arrayContaining(["page_no", "page_size"]));
      const window = (api as SourceApiMeta).window;
      if (window) expect(keys).toEqual(expect.arrayContaining([window.start, window.end]));
    }
  });

  describe.each([
    ["gy.erp.items.get", "商品查询", "items", ["start_date", "end_date"], "skus"],
    ["gy.erp.trade.deliverys.get", "发货单查询", "deliverys", ["start_modify_date", "end_modify_date"], "details"],
  ])("%s", (id, name, listKey, [start, end], nested) => {
    const api = () => guanyi.meta.apis.find((a) => a.id === id) as SourceApiMeta;

    it("is a valid source API keyed by code, paged, with an incremental modification window", () => {
      expect(sourceApiMetaSchema.safeParse(api()).success).toBe(true);
      expect(api()).toMatchObject({
        name,
        listKey,
        idField: "code",
        paging: { pageNo: "page_no", pageSize: "page_size", defaultPageSize: 50, maxPageSize: 100 },
        window: { start, end },
      });
      const presets = Object.fromEntries(api().request.filter((f) => f.preset).map((f) => [f.key, f.preset]));
      expect(presets).toEqual({
        [start!]: "{{LAST_SYNC_TIME datetime}}",
        [end!]: "{{CURRENT_TIME datetime}}",
        page_size: "{{PAGINATION_PAGE_SIZE}}",
        page_no: "{{PAGINATION_START_PAGE}}",
      });
      expect(api().response.map((f) => f.key)).toContain("code");
    });

    it(`labels every field, ${nested} item by item included`, () => {
      const all = (fields: FieldMeta[]): FieldMeta[] => fields.flatMap((f) => [f, ...all(f.fields ?? [])]);
      for (const f of [...api().request, ...all(api().response)]) {
        expect(fieldMetaSchema.safeParse(f).success).toBe(true);
        expect(f.label.trim()).not.toBe("");
        expect(f.labelEn.trim()).not.toBe("");
      }
      const list = api().response.find((f) => f.key === nested);
      expect(list).toMatchObject({ type: "array" });
      expect(list!.fields!.map((f) => f.key)).toEqual(expect.arrayContaining(nested === "skus" ? ["id", "code", "name", "sales_price"] : ["item_code", "sku_code", "qty", "price", "amount"]));
      for (const parent of api().response) expect(new Set(parent.fields?.map((f) => f.key)).size).toBe(parent.fields?.length ?? 0);
      expect(new Set(api().response.map((f) => f.key)).size).toBe(api().response.length);
    });
  });

  // The request lists of guanyi-documents.md, whole: what the editor offers is what 管易云 takes.
  it.each([
    [
      "gy.erp.trade.deliverys.get",
      ["page_no", "page_size", "start_create", "end_create", "start_delivery_date", "end_delivery_date", "start_modify_date", "end_modify_date", "del", "code", "warehouse_code", "shop_code", "vip_name", "outer_code", "delivery", "print", "scan", "cod", "wms", "mail_no", "sync_status"],
    ],
    ["gy.erp.trade.get", ["page_no", "page_size", "start_date", "end_date", "date_type", "order_state", "warehouse_code", "shop_code", "vip_name", "platform_code", "receiver_mobile", "code", "has_cancel_data"]],
    ["gy.erp.items.get", ["page_no", "page_size", "start_date", "end_date", "code"]],
  ])("offers exactly the documented request parameters of %s", (id, documented) => {
    const api = guanyi.meta.apis.find((a) => a.id === id) as SourceApiMeta;
    const keys = api.request.map((f) => f.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect([...keys].sort()).toEqual([...documented].sort());
    for (const f of api.request) expect(fieldMetaSchema.safeParse(f).success).toBe(true);
  });

  it("types delivery money as number (numbers and numeric strings both map) and the status as an object", () => {
    const api = guanyi.meta.apis.find((a) => a.id === "gy.erp.trade.deliverys.get") as SourceApiMeta;
    const field = (key: string, fields = api.response) => fields.find((f) => f.key === key);
    for (const key of ["amount", "payment", "post_fee", "discount_fee"]) expect(field(key)?.type).toBe("number");
    const details = field("details")!.fields!;
    for (const key of ["qty", "price", "amount", "amount_after"]) expect(field(key, details)?.type).toBe("number");
    const status = field("delivery_statusInfo");
    expect(status).toMatchObject({ type: "object" });
    expect(status!.fields!.map((f) => [f.key, f.type])).toEqual(expect.arrayContaining([["delivery", "integer"], ["delivery_date", "datetime"]]));
  });
});
