// The editor's catalog helpers against a test-only slice of the 管易云 / 金蝶 metadata (the
// shapes of the contract: a source list with item fields, a target form with an entry table).
import { defaultRetryPolicy, type ConnectorMeta, type SchemeDefinition, type SourceApiMeta, type TargetApiMeta, type TargetNode } from "@qiao/core";
import { describe, expect, it } from "vitest";
import { apiKey, fieldSuggestions, listItemFields, newNode, rowSuggestions, sourceLists, targetApiOf, type Catalog } from "./catalog";

const deliveries: SourceApiMeta = {
  kind: "source",
  id: "gy.erp.trade.deliverys.get",
  name: "发货单查询",
  nameEn: "Query deliveries",
  request: [],
  response: [
    { key: "code", label: "单据编号", labelEn: "Code", type: "string" },
    { key: "shop_code", label: "店铺代码", labelEn: "Shop code", type: "string" },
    {
      key: "delivery_statusInfo",
      label: "发货状态",
      labelEn: "Delivery status",
      type: "object",
      fields: [{ key: "delivery_date", label: "发货时间", labelEn: "Delivered at", type: "datetime" }],
    },
    {
      key: "details",
      label: "商品明细",
      labelEn: "Details",
      type: "array",
      fields: [
        { key: "item_code", label: "商品代码", labelEn: "Item code", type: "string" },
        { key: "qty", label: "数量", labelEn: "Quantity", type: "number" },
      ],
    },
    { key: "invoices", label: "发票", labelEn: "Invoices", type: "array" },
  ],
  listKey: "deliverys",
  idField: "code",
  paging: { pageNo: "page_no", pageSize: "page_size", defaultPageSize: 50, maxPageSize: 100 },
};

const form = (formId: string, name: string, fields: TargetApiMeta["fields"], defaultSize: number): TargetApiMeta => ({
  kind: "target",
  id: "batchSave",
  name,
  nameEn: name,
  formId,
  fields,
  numberField: formId === "SAL_OUTSTOCK" ? "FBillNo" : "FNumber",
  idField: "FID",
  options: [],
  batch: { defaultSize, maxSize: 1000 },
  writeModes: ["create"],
});

const customer = form("BD_Customer", "客户新增", [{ key: "FName", label: "客户名称", labelEn: "Name", type: "string", required: true }], 100);
const outstock = form(
  "SAL_OUTSTOCK",
  "销售出库单新增",
  [
    { key: "FBillNo", label: "单据编号", labelEn: "Bill number", type: "string" },
    {
      key: "FEntity",
      label: "明细信息",
      labelEn: "Details",
      type: "array",
      fields: [{ key: "FMaterialID", label: "物料编码", labelEn: "Material", type: "string", required: true, baseData: true }],
    },
  ],
  20,
);

const baseUrl = { default: "", placeholder: "", help: "" };
const connectors: ConnectorMeta[] = [
  { platform: "guanyi", name: "管易云", nameEn: "Guanyi", baseUrl, credentialFields: [], apis: [deliveries] },
  { platform: "kingdee", name: "金蝶云星空", nameEn: "Kingdee", baseUrl, credentialFields: [], apis: [customer, outstock] },
];
const catalog: Catalog = { connectors, connections: [] };
const empty: SchemeDefinition = { version: 1, timezone: "Asia/Shanghai", schedule: null, retry: defaultRetryPolicy(), nodes: [], edges: [] };

describe("target forms", () => {
  it("finds the target API by its form, the first one when the node names none", () => {
    const node = newNode(catalog, empty, "target", "kingdee", "batchSave", { x: 0, y: 0 }, "SAL_OUTSTOCK") as TargetNode;
    expect(node.config.formId).toBe("SAL_OUTSTOCK");
    expect(node.config.batchSize).toBe(20);
    expect(node.config.entries).toEqual({});
    expect(targetApiOf(catalog, node)).toBe(outstock);
    expect(targetApiOf(catalog, { ...node, config: { ...node.config, formId: undefined } })).toBe(customer);
    expect(targetApiOf(catalog, { ...node, config: { ...node.config, formId: "NOPE" } })).toBeUndefined();
  });

  it("keys target APIs by id and form, sources by id", () => {
    expect([customer, outstock, deliveries].map(apiKey)).toEqual(["batchSave:BD_Customer", "batchSave:SAL_OUTSTOCK", "gy.erp.trade.deliverys.get"]);
  });
});

describe("source lists and row suggestions", () => {
  it("offers the lists with item fields as entry sources", () => {
    expect(sourceLists(deliveries).map((f) => f.key)).toEqual(["details"]);
    expect(listItemFields(deliveries, "details")?.map((f) => f.key)).toEqual(["item_code", "qty"]);
    expect(listItemFields(deliveries, "invoices")).toBeUndefined();
    expect(listItemFields(deliveries, "nope")).toBeUndefined();
    expect(listItemFields(undefined, "details")).toBeUndefined();
  });

  it("suggests nested object fields by their path for head templates", () => {
    const values = fieldSuggestions(deliveries, false, "源字段").map((s) => s.value);
    expect(values).toContain("delivery_statusInfo.delivery_date");
    expect(values).not.toContain("details.item_code");
  });

  it("suggests the item's fields, then the header's as $parent.*, then variables", () => {
    const suggestions = rowSuggestions(deliveries, "details", false, { item: "item", parent: "parent", variables: "vars" });
    const byGroup = (g: string) => suggestions.filter((s) => s.group === g).map((s) => s.value);
    expect(byGroup("item")).toEqual(["item_code", "qty"]);
    expect(byGroup("parent")).toContain("$parent.shop_code");
    expect(byGroup("parent")).toContain("$parent.delivery_statusInfo.delivery_date");
    expect(byGroup("vars")).toContain("CURRENT_TIME datetime");
    expect(suggestions.find((s) => s.value === "qty")?.label).toBe("数量");
  });

  it("has only the header's fields while no list is chosen", () => {
    const suggestions = rowSuggestions(deliveries, "", true, { item: "item", parent: "parent", variables: "vars" });
    expect(suggestions.filter((s) => s.group === "item")).toEqual([]);
    expect(suggestions.find((s) => s.value === "$parent.code")?.label).toBe("Code");
  });
});
