// 管易云 gy.erp.items.get (商品查询): request and response as shared/protocols/guanyi-documents.md
// documents them, with the 2025 sample's extra fields. Each item carries its 规格 as `skus`.
import type { FieldMeta, SourceApiMeta } from "../types";
import { INCREMENTAL, MODIFIED, PAGING, PAGING_FIELDS, timeWindow } from "./meta-common";

/** Prices come as JSON numbers in older data and may come as strings: "number" accepts both. */
const PRICE_HELP = "数字，部分租户以字符串发送";

/** Fields an item and its skus both have. */
const PRICES: FieldMeta[] = [
  { key: "sales_price", label: "标准售价", labelEn: "Standard sales price", type: "number", description: PRICE_HELP },
  { key: "purchase_price", label: "标准进价", labelEn: "Standard purchase price", type: "number", description: PRICE_HELP },
  { key: "agent_price", label: "代理售价", labelEn: "Agent price", type: "number", description: PRICE_HELP },
  { key: "cost_price", label: "成本价", labelEn: "Cost price", type: "number", description: PRICE_HELP },
];

const SKU_FIELDS: FieldMeta[] = [
  { key: "id", label: "规格ID", labelEn: "SKU ID", type: "string", description: "实际为数字；推测即发货单明细的 item_sku_id（文档未说明）" },
  { key: "code", label: "规格代码", labelEn: "SKU code", type: "string", description: "发货单明细的 sku_code；单规格商品的规格代码等于商品代码" },
  { key: "name", label: "规格名称", labelEn: "SKU name", type: "string" },
  { key: "note", label: "备注", labelEn: "Note", type: "string" },
  { key: "bar_code", label: "条码", labelEn: "Barcode", type: "string" },
  { key: "weight", label: "重量", labelEn: "Weight", type: "number" },
  { key: "volume", label: "体积", labelEn: "Volume", type: "number" },
  ...PRICES,
  { key: "stock_status_code", label: "库存状态", labelEn: "Stock status code", type: "string" },
  { key: "tax_rate", label: "税率", labelEn: "Tax rate", type: "number" },
  // In 2025 data (guanyi-documents.md's sku table), without names or types: ours, from the field names.
  { key: "tax_no", label: "税收分类编码", labelEn: "Tax code", type: "string" },
  { key: "order", label: "排序", labelEn: "Order", type: "number", description: "文档未说明含义" },
  { key: "goods_id", label: "货品ID", labelEn: "Goods ID", type: "string", description: "实际为数字；文档未说明含义" },
  { key: "origin_area", label: "产地", labelEn: "Origin", type: "string" },
  { key: "supplier_outerid", label: "供应商外部编码", labelEn: "Supplier outer id", type: "string" },
];

export const itemsApi: SourceApiMeta = {
  kind: "source",
  id: "gy.erp.items.get",
  name: "商品查询",
  nameEn: "Items",
  request: [
    ...timeWindow("start_date", "end_date", MODIFIED, INCREMENTAL),
    { key: "code", label: "商品代码", labelEn: "Item code", type: "string" },
    ...PAGING_FIELDS,
  ],
  response: [
    { key: "id", label: "商品ID", labelEn: "Item ID", type: "string", description: "文档写作字符串，实际为数字" },
    { key: "code", label: "商品代码", labelEn: "Item code", type: "string" },
    { key: "name", label: "商品名称", labelEn: "Item name", type: "string" },
    { key: "simple_name", label: "商品简称", labelEn: "Short name", type: "string" },
    { key: "create_date", label: "创建时间", labelEn: "Created at", type: "datetime" },
    { key: "modify_date", label: "修改时间", labelEn: "Modified at", type: "datetime" },
    { key: "category_code", label: "分类代码", labelEn: "Category code", type: "string" },
    { key: "category_name", label: "分类名称", labelEn: "Category name", type: "string" },
    { key: "item_unit_code", label: "商品单位代码", labelEn: "Unit code", type: "string", description: "常为空；规格上没有单位" },
    { key: "item_unit_name", label: "商品单位名称", labelEn: "Unit name", type: "string" },
    { key: "weight", label: "重量", labelEn: "Weight", type: "number" },
    { key: "length", label: "长", labelEn: "Length", type: "number" },
    { key: "width", label: "宽", labelEn: "Width", type: "number" },
    { key: "height", label: "高", labelEn: "Height", type: "number" },
    { key: "volume", label: "体积", labelEn: "Volume", type: "number" },
    ...PRICES,
    { key: "combine", label: "是否组合商品", labelEn: "Combined item", type: "boolean" },
    { key: "del", label: "是否已停用", labelEn: "Disabled", type: "boolean" },
    { key: "supplier_code", label: "供应商代码", labelEn: "Supplier code", type: "string" },
    { key: "stock_status_code", label: "库存状态", labelEn: "Stock status code", type: "string" },
    { key: "note", label: "备注", labelEn: "Note", type: "string" },
    { key: "package_point", label: "打包积分", labelEn: "Packing points", type: "number" },
    { key: "sales_point", label: "销售积分", labelEn: "Sales points", type: "number" },
    { key: "bar_code", label: "条码", labelEn: "Barcode", type: "string" },
    { key: "tax_no", label: "税收分类编码", labelEn: "Tax code", type: "string" },
    { key: "tax_rate", label: "税率", labelEn: "Tax rate", type: "number" },
    { key: "item_brand_code", label: "品牌代码", labelEn: "Brand code", type: "string" },
    { key: "item_brand_name", label: "品牌名称", labelEn: "Brand name", type: "string" },
    { key: "pic_url", label: "图片地址", labelEn: "Picture URL", type: "string" },
    { key: "skus", label: "规格", labelEn: "SKUs", type: "array", description: "每个规格一行；单规格商品只有一个规格", fields: SKU_FIELDS },
    // In the doc's sample (empty there): a combined item's parts; their fields are not documented.
    { key: "combine_items", label: "组合明细", labelEn: "Combined parts", type: "array", description: "组合商品的子商品；字段未公开" },
  ],
  listKey: "items",
  // `code` (商品代码) is the documented business key, and what deliveries name (`item_code`);
  // `id` is an internal number no other API refers to.
  idField: "code",
  paging: PAGING,
  window: { start: "start_date", end: "end_date" },
};
