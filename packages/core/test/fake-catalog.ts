// A small connector catalog for the compiler and mapping tests, mirroring gy.erp.shop.get and
// Kingdee's BatchSave on BD_Customer (the real metadata lives in @qiao/connectors).
import type { ConnectorMeta, SourceApiMeta, TargetApiMeta } from "../src/connector-meta";
import type { SchemeCatalog } from "../src/compile";
import type { TemplateVars } from "../src/template/types";

export const SOURCE_CONNECTION = "0b6f6a3e-2c1d-4a5b-9c8d-7e6f5a4b3c2d";
export const TARGET_CONNECTION = "1c7a7b4f-3d2e-4b6c-8d9e-8f7a6b5c4d3e";
export const OTHER_GUANYI_CONNECTION = "2d8b8c5a-4e3f-4c7d-9eaf-9a8b7c6d5e4f";

export const shopApi: SourceApiMeta = {
  kind: "source",
  id: "gy.erp.shop.get",
  name: "店铺查询",
  nameEn: "Query shops",
  request: [
    { key: "modify_start_date", label: "修改开始时间", labelEn: "Modified from", type: "datetime" },
    { key: "modify_end_date", label: "修改结束时间", labelEn: "Modified until", type: "datetime", preset: "{{CURRENT_TIME datetime}}" },
    { key: "code", label: "店铺代码", labelEn: "Shop code", type: "string" },
    { key: "page_size", label: "每页条数", labelEn: "Page size", type: "integer", preset: "{{PAGINATION_PAGE_SIZE}}" },
    { key: "page_no", label: "页码", labelEn: "Page number", type: "integer", preset: "{{PAGINATION_START_PAGE}}" },
  ],
  response: [
    { key: "id", label: "ID", labelEn: "ID", type: "string" },
    { key: "nick", label: "店铺昵称", labelEn: "Nickname", type: "string" },
    { key: "code", label: "代码", labelEn: "Code", type: "string" },
    { key: "name", label: "名称", labelEn: "Name", type: "string" },
    { key: "create_date", label: "创建时间", labelEn: "Created at", type: "datetime" },
    { key: "modify_date", label: "修改时间", labelEn: "Modified at", type: "datetime" },
    { key: "note", label: "备注", labelEn: "Note", type: "string" },
    { key: "type_name", label: "类型", labelEn: "Type", type: "string" },
    { key: "extra", label: "扩展", labelEn: "Extra", type: "object" },
  ],
  listKey: "shops",
  idField: "id",
  paging: { pageNo: "page_no", pageSize: "page_size", defaultPageSize: 50, maxPageSize: 100 },
  window: { start: "modify_start_date", end: "modify_end_date" },
};

export const customerApi: TargetApiMeta = {
  kind: "target",
  id: "batchSave",
  name: "客户新增",
  nameEn: "Create customers",
  formId: "BD_Customer",
  fields: [
    { key: "FName", label: "客户名称", labelEn: "Customer name", type: "string", required: true },
    { key: "FNumber", label: "客户编码", labelEn: "Customer code", type: "string" },
    { key: "FCreateOrgId", label: "创建组织", labelEn: "Creating organisation", type: "string", required: true, baseData: true },
    { key: "FUseOrgId", label: "使用组织", labelEn: "Using organisation", type: "string", baseData: true },
    { key: "FDescription", label: "描述", labelEn: "Description", type: "string" },
    { key: "FPriority", label: "客户优先级", labelEn: "Priority", type: "integer" },
    { key: "FCreditAmount", label: "信用额度", labelEn: "Credit amount", type: "number" },
    { key: "FIsTrade", label: "是否交易客户", labelEn: "Trading customer", type: "boolean" },
    { key: "FOpenDate", label: "开户日期", labelEn: "Opened at", type: "datetime" },
    { key: "FExtra", label: "扩展", labelEn: "Extra", type: "object" },
    { key: "FTags", label: "标签", labelEn: "Tags", type: "array" },
  ],
  numberField: "FNumber",
  idField: "FCUSTID",
  options: [
    { key: "IsAutoSubmitAndAudit", label: "自动提交并审核", labelEn: "Submit and audit", type: "boolean", default: false },
    { key: "IsVerifyBaseDataField", label: "验证基础资料", labelEn: "Verify base data", type: "boolean", default: false },
    { key: "NumberSearch", label: "按编码查找", labelEn: "Look up by code", type: "boolean", default: true },
  ],
  batch: { defaultSize: 100, maxSize: 1000 },
  writeModes: ["create", "upsert"],
};

/** A trimmed 发货单查询: a nested list `details` with documented item fields, and an undocumented `invoices`. */
export const deliveryApi: SourceApiMeta = {
  ...shopApi,
  id: "gy.erp.trade.deliverys.get",
  name: "发货单查询",
  nameEn: "Query deliveries",
  response: [
    { key: "code", label: "单据编号", labelEn: "Delivery code", type: "string" },
    { key: "shop_code", label: "店铺代码", labelEn: "Shop code", type: "string" },
    { key: "create_date", label: "制单时间", labelEn: "Created at", type: "datetime" },
    { key: "warehouse_code", label: "仓库代码", labelEn: "Warehouse code", type: "string" },
    {
      key: "details",
      label: "商品明细",
      labelEn: "Lines",
      type: "array",
      fields: [
        { key: "item_code", label: "商品代码", labelEn: "Item code", type: "string" },
        { key: "qty", label: "数量", labelEn: "Quantity", type: "number" },
        { key: "price", label: "实际单价", labelEn: "Price", type: "number" },
      ],
    },
    { key: "invoices", label: "发票", labelEn: "Invoices", type: "array" },
  ],
  listKey: "deliverys",
  idField: "code",
};

/** A trimmed 销售出库单新增 with its entry table FEntity. */
export const outstockApi: TargetApiMeta = {
  ...customerApi,
  name: "销售出库单新增",
  nameEn: "Create sales outbound orders",
  formId: "SAL_OUTSTOCK",
  fields: [
    { key: "FBillNo", label: "单据编号", labelEn: "Bill number", type: "string" },
    { key: "FDate", label: "日期", labelEn: "Date", type: "string", required: true },
    { key: "FCustomerID", label: "客户", labelEn: "Customer", type: "string", required: true, baseData: true },
    { key: "SubHeadEntity.FSettleCurrID", label: "结算币别", labelEn: "Settlement currency", type: "string", baseData: true },
    {
      key: "FEntity",
      label: "明细信息",
      labelEn: "Lines",
      type: "array",
      required: true,
      fields: [
        { key: "FMaterialID", label: "物料编码", labelEn: "Material", type: "string", required: true, baseData: true },
        { key: "FRealQty", label: "实发数量", labelEn: "Quantity", type: "number", required: true },
        { key: "FTaxPrice", label: "含税单价", labelEn: "Price incl. tax", type: "number" },
        { key: "FEntrynote", label: "备注", labelEn: "Note", type: "string" },
      ],
    },
  ],
  numberField: "FBillNo",
  idField: "FID",
  bill: { statusField: "FDocumentStatus", auditedStatus: "C" },
};

const supplierApi: TargetApiMeta = { ...customerApi, name: "供应商新增", nameEn: "Create suppliers", formId: "BD_Supplier" };

export const guanyi: ConnectorMeta = {
  platform: "guanyi",
  name: "管易云",
  nameEn: "Guanyi ERP",
  baseUrl: { default: "http://guanyi.test", placeholder: "", help: "" },
  credentialFields: [],
  apis: [shopApi, deliveryApi],
  wireTimezone: "Asia/Shanghai",
};

export const kingdee: ConnectorMeta = {
  platform: "kingdee",
  name: "金蝶云星空",
  nameEn: "Kingdee K/3 Cloud",
  baseUrl: { default: "", placeholder: "", help: "" },
  credentialFields: [],
  apis: [customerApi, supplierApi, outstockApi],
};

export const catalog: SchemeCatalog = {
  connections: new Map([
    [SOURCE_CONNECTION, { platform: "guanyi", name: "管易云正式" }],
    [OTHER_GUANYI_CONNECTION, { platform: "guanyi", name: "管易云测试" }],
    [TARGET_CONNECTION, { platform: "kingdee", name: "金蝶正式" }],
  ]),
  connectors: new Map([
    ["guanyi", guanyi],
    ["kingdee", kingdee],
  ]),
};

/** 2026-11-28 18:30:00 in Shanghai. */
export const vars: TemplateVars = {
  CURRENT_TIME: new Date("2026-11-28T10:30:00.000Z"),
  LAST_SYNC_TIME: null,
  PAGINATION_PAGE_SIZE: 50,
  PAGINATION_START_PAGE: 1,
};
