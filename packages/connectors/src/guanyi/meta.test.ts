import { describe, expect, it } from "vitest";
import type { SourceApiMeta } from "../types";
import { guanyi } from "./index";

const shopApi = () => guanyi.meta.apis.find((a) => a.id === "gy.erp.shop.get") as SourceApiMeta;

describe("guanyi metadata", () => {
  it("names the platform and its endpoint", () => {
    expect(guanyi.meta).toMatchObject({ platform: "guanyi", name: "管易云", nameEn: "Guanyi ERP" });
    expect(guanyi.meta.baseUrl.default).toBe("http://v2.api.guanyierp.com/rest/erp_open");
    for (const host of ["v2.api.guanyierp.com", "//api.guanyierp.com", "api.demo.guanyierp.com"]) expect(guanyi.meta.baseUrl.help).toContain(host);
  });

  it("asks for appkey, sessionkey and secret, the last two secret", () => {
    expect(guanyi.meta.credentialFields.map((f) => [f.key, f.secret])).toEqual([
      ["appkey", false],
      ["sessionkey", true],
      ["secret", true],
    ]);
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
});
