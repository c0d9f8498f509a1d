// 管易云 gy.erp.trade.deliverys.get (发货单查询): request and response as
// shared/protocols/guanyi-documents.md documents them. Each delivery carries its lines as
// `details` and its shipping state as the object `delivery_statusInfo` (the ship date is there,
// not at the top level).
import type { FieldMeta, SourceApiMeta } from "../types";
import { INCREMENTAL, MODIFIED, PAGING, PAGING_FIELDS, timeWindow } from "./meta-common";

/** Money comes as a JSON number (2016–2018) or a string (2025): "number" accepts both. */
const MONEY_HELP = "金额；有的租户以字符串发送（如 \"0\"）";
const money = (key: string, label: string, labelEn: string): FieldMeta => ({ key, label, labelEn, type: "number", description: MONEY_HELP });

const ZERO_ONE = "0 否，1 是";
const ZERO_ONE_EN = "0 no, 1 yes";

const DETAIL_FIELDS: FieldMeta[] = [
  { key: "id", label: "明细ID", labelEn: "Line ID", type: "string", description: "实际为数字" },
  { key: "trade_code", label: "订单编号", labelEn: "Order code", type: "string", description: "SO…，即订单查询的 code" },
  { key: "platform_code", label: "平台单号", labelEn: "Platform order number", type: "string" },
  { key: "oid", label: "平台子订单号", labelEn: "Platform line number", type: "string" },
  { key: "item_id", label: "商品ID", labelEn: "Item ID", type: "string" },
  { key: "item_sku_id", label: "规格ID", labelEn: "SKU ID", type: "string" },
  { key: "item_code", label: "商品代码", labelEn: "Item code", type: "string" },
  { key: "item_name", label: "商品名称", labelEn: "Item name", type: "string" },
  { key: "sku_code", label: "规格代码", labelEn: "SKU code", type: "string" },
  { key: "sku_name", label: "规格名称", labelEn: "SKU name", type: "string" },
  { key: "qty", label: "数量", labelEn: "Quantity", type: "number", description: "可能为 0（已取消的行或赠品）" },
  money("price", "实际单价", "Unit price"),
  { key: "origin_price", label: "标准单价", labelEn: "Standard unit price", type: "number" },
  money("amount", "金额", "Amount"),
  money("discount_fee", "优惠金额", "Discount"),
  money("amount_after", "优惠后金额", "Amount after discount"),
  money("post_fee", "运费", "Shipping fee"),
  { key: "tax_rate", label: "税率", labelEn: "Tax rate", type: "number" },
  { key: "tax_amount", label: "税额", labelEn: "Tax amount", type: "number" },
  { key: "is_gift", label: "是否赠品", labelEn: "Gift", type: "integer", description: ZERO_ONE, descriptionEn: ZERO_ONE_EN },
  { key: "refund", label: "是否退款", labelEn: "Refunded", type: "integer", description: ZERO_ONE, descriptionEn: ZERO_ONE_EN },
  { key: "order_type", label: "订单类型", labelEn: "Order type", type: "string", description: "如 Sales、Invoice" },
  { key: "barcode", label: "条码", labelEn: "Barcode", type: "string" },
  { key: "memo", label: "备注", labelEn: "Note", type: "string" },
  // Listed by guanyi-documents.md without a type or a sample: read as text (批号 for FLot, which
  // 批号管理 materials need); the test preview shows what a tenant really sends.
  { key: "detail_batch", label: "批次", labelEn: "Batch", type: "string", description: "文档只列出字段名，未说明类型；请用测试预览确认" },
];

const STATUS_FIELDS: FieldMeta[] = [
  { key: "delivery", label: "发货状态", labelEn: "Delivery status", type: "integer", description: "-1 发货失败，0 未发货，1 发货中，2 发货成功" },
  { key: "delivery_date", label: "发货时间", labelEn: "Shipped at", type: "datetime" },
  { key: "delivery_name", label: "发货人", labelEn: "Shipped by", type: "string" },
  { key: "cancel", label: "是否取消", labelEn: "Cancelled", type: "boolean" },
  { key: "intercept", label: "是否拦截", labelEn: "Intercepted", type: "boolean" },
  { key: "scan", label: "是否扫描", labelEn: "Scanned", type: "boolean" },
  { key: "weight", label: "是否称重", labelEn: "Weighed", type: "boolean" },
  { key: "wms", label: "外仓单据", labelEn: "External warehouse", type: "integer" },
  { key: "print_express", label: "是否打印快递单", labelEn: "Waybill printed", type: "boolean" },
];

export const deliveriesApi: SourceApiMeta = {
  kind: "source",
  id: "gy.erp.trade.deliverys.get",
  name: "发货单查询",
  nameEn: "Deliveries",
  request: [
    ...timeWindow("start_modify_date", "end_modify_date", MODIFIED, INCREMENTAL),
    ...timeWindow("start_create", "end_create", { start: "创建开始时间", end: "创建结束时间", en: "Created" }, { presets: false }),
    ...timeWindow("start_delivery_date", "end_delivery_date", { start: "发货开始时间", end: "发货结束时间", en: "Shipped" }, { presets: false }),
    { key: "code", label: "单据编号", labelEn: "Delivery code", type: "string", description: "SDO…" },
    { key: "shop_code", label: "店铺代码", labelEn: "Shop code", type: "string" },
    { key: "warehouse_code", label: "仓库代码", labelEn: "Warehouse code", type: "string" },
    { key: "vip_name", label: "会员名称", labelEn: "Member name", type: "string" },
    { key: "outer_code", label: "平台单号", labelEn: "Platform order number", type: "string" },
    { key: "mail_no", label: "物流单号", labelEn: "Waybill number", type: "string" },
    { key: "del", label: "包含作废单据", labelEn: "Include voided", type: "integer", description: "0 不含作废单据（默认），1 包含", descriptionEn: "0 without voided deliveries (the default), 1 with them" },
    { key: "delivery", label: "发货状态", labelEn: "Delivery status", type: "integer", description: "0 未发货/发货中/发货失败，1 发货成功", descriptionEn: "0 not shipped, shipping or failed to ship, 1 shipped" },
    { key: "print", label: "打印状态", labelEn: "Printed", type: "integer", description: ZERO_ONE, descriptionEn: ZERO_ONE_EN },
    { key: "scan", label: "扫描状态", labelEn: "Scanned", type: "integer", description: ZERO_ONE, descriptionEn: ZERO_ONE_EN },
    { key: "cod", label: "货到付款", labelEn: "Cash on delivery", type: "integer", description: ZERO_ONE, descriptionEn: ZERO_ONE_EN },
    { key: "wms", label: "外仓单据", labelEn: "External warehouse", type: "integer", description: ZERO_ONE, descriptionEn: ZERO_ONE_EN },
    { key: "sync_status", label: "同步状态", labelEn: "Sync status", type: "integer", description: "-1 同步失败，0 未同步，1 已同步；不填不检查", descriptionEn: "-1 sync failed, 0 not synced, 1 synced; empty: not checked" },
    ...PAGING_FIELDS,
  ],
  response: [
    { key: "code", label: "单据编号", labelEn: "Delivery code", type: "string", description: "SDO…" },
    { key: "platform_code", label: "平台单号", labelEn: "Platform order number", type: "string" },
    { key: "create_date", label: "制单时间", labelEn: "Created at", type: "datetime" },
    { key: "modify_date", label: "修改时间", labelEn: "Modified at", type: "datetime" },
    { key: "pay_time", label: "支付时间", labelEn: "Paid at", type: "datetime" },
    { key: "qty", label: "商品总数", labelEn: "Total quantity", type: "number" },
    money("amount", "总金额", "Amount"),
    money("payment", "已付金额", "Paid"),
    money("unpaid_amount", "未付金额", "Unpaid"),
    money("post_fee", "运费", "Shipping fee"),
    money("cod_fee", "到付服务费", "COD fee"),
    money("discount_fee", "优惠金额", "Discount"),
    money("post_cost", "物流成本", "Shipping cost"),
    { key: "cod", label: "货到付款", labelEn: "Cash on delivery", type: "boolean" },
    { key: "refund", label: "有退款", labelEn: "Has refund", type: "integer", description: ZERO_ONE, descriptionEn: ZERO_ONE_EN },
    { key: "cancel", label: "已取消（作废）", labelEn: "Voided", type: "integer", description: ZERO_ONE, descriptionEn: ZERO_ONE_EN },
    { key: "shop_code", label: "店铺代码", labelEn: "Shop code", type: "string" },
    { key: "shop_name", label: "店铺名称", labelEn: "Shop name", type: "string" },
    { key: "warehouse_code", label: "仓库代码", labelEn: "Warehouse code", type: "string" },
    { key: "warehouse_name", label: "仓库名称", labelEn: "Warehouse name", type: "string" },
    { key: "vip_code", label: "会员代码", labelEn: "Member code", type: "string" },
    { key: "vip_name", label: "会员名称", labelEn: "Member name", type: "string" },
    { key: "vip_real_name", label: "会员姓名", labelEn: "Member real name", type: "string" },
    { key: "express_code", label: "物流公司代码", labelEn: "Carrier code", type: "string" },
    { key: "express_name", label: "物流公司名称", labelEn: "Carrier name", type: "string" },
    { key: "express_no", label: "运单号", labelEn: "Waybill number", type: "string" },
    { key: "receiver_name", label: "收货人", labelEn: "Receiver", type: "string" },
    { key: "receiver_phone", label: "收货人电话", labelEn: "Receiver phone", type: "string" },
    { key: "receiver_mobile", label: "收货人手机", labelEn: "Receiver mobile", type: "string" },
    { key: "receiver_zip", label: "收货人邮编", labelEn: "Receiver postcode", type: "string" },
    { key: "receiver_address", label: "收货地址", labelEn: "Receiver address", type: "string" },
    { key: "area_name", label: "收货地区", labelEn: "Receiver area", type: "string", description: "省-市-区" },
    { key: "buyer_memo", label: "买家留言", labelEn: "Buyer note", type: "string" },
    { key: "seller_memo", label: "卖家备注", labelEn: "Seller note", type: "string" },
    { key: "seller_memo_late", label: "二次备注", labelEn: "Seller follow-up note", type: "string" },
    { key: "tag_name", label: "标记", labelEn: "Tag", type: "string" },
    { key: "create_name", label: "制单人", labelEn: "Created by", type: "string" },
    { key: "sync_status", label: "同步状态", labelEn: "Sync status", type: "integer", description: "-1 同步失败，0 未同步，1 已同步" },
    { key: "details", label: "商品明细", labelEn: "Lines", type: "array", description: "每个商品规格一行", fields: DETAIL_FIELDS },
    { key: "delivery_statusInfo", label: "发货状态信息", labelEn: "Delivery status info", type: "object", description: "发货时间在这里，不在单据顶层", fields: STATUS_FIELDS },
  ],
  listKey: "deliverys",
  // `code` (单据编号, SDO…) is the documented key of a delivery; the sample shows no `id`.
  idField: "code",
  paging: PAGING,
  window: { start: "start_modify_date", end: "end_modify_date" },
};
