// 管易云 gy.erp.trade.get (订单查询): request and response as shared/protocols/guanyi-documents.md
// § gy.erp.trade.get documents them (the sample [G6] and the fields listed after it). An order carries
// its lines as `details`, its payments and its deliveries as lists.
import type { FieldMeta, SourceApiMeta } from "../types";
import { PAGING, PAGING_FIELDS, timeWindow } from "./meta-common";

const DETAIL_FIELDS: FieldMeta[] = [
  { key: "oid", label: "平台子订单号", labelEn: "Platform line number", type: "string" },
  { key: "item_code", label: "商品代码", labelEn: "Item code", type: "string" },
  { key: "item_name", label: "商品名称", labelEn: "Item name", type: "string" },
  { key: "item_simple_name", label: "商品简称", labelEn: "Item short name", type: "string" },
  { key: "sku_code", label: "规格代码", labelEn: "SKU code", type: "string" },
  { key: "sku_name", label: "规格名称", labelEn: "SKU name", type: "string" },
  { key: "sku_note", label: "规格备注", labelEn: "SKU note", type: "string" },
  { key: "platform_item_name", label: "平台商品名称", labelEn: "Platform item name", type: "string" },
  { key: "platform_sku_name", label: "平台规格名称", labelEn: "Platform SKU name", type: "string" },
  { key: "qty", label: "数量", labelEn: "Quantity", type: "number" },
  { key: "price", label: "实际单价", labelEn: "Unit price", type: "number" },
  { key: "amount", label: "金额", labelEn: "Amount", type: "number" },
  { key: "post_fee", label: "运费", labelEn: "Shipping fee", type: "number" },
  { key: "discount_fee", label: "优惠金额", labelEn: "Discount", type: "number" },
  { key: "amount_after", label: "优惠后金额", labelEn: "Amount after discount", type: "number" },
  { key: "refund", label: "退款状态", labelEn: "Refund", type: "integer", description: "文档不一：0 未退款，1 退款完成，2 退款中；另一客户端为 0/1（1 退款中）" },
  { key: "note", label: "备注", labelEn: "Note", type: "string" },
];

const PAYMENT_FIELDS: FieldMeta[] = [
  { key: "payment", label: "金额", labelEn: "Amount", type: "number" },
  { key: "payCode", label: "交易号", labelEn: "Transaction number", type: "string" },
  { key: "pay_type_name", label: "支付方式", labelEn: "Payment method", type: "string" },
  { key: "paytime", label: "支付时间", labelEn: "Paid at", type: "datetime" },
];

const DELIVERY_FIELDS: FieldMeta[] = [
  { key: "delivery", label: "已发货", labelEn: "Shipped", type: "boolean" },
  { key: "code", label: "发货单号", labelEn: "Delivery code", type: "string", description: "SDO…" },
  { key: "warehouse_code", label: "仓库代码", labelEn: "Warehouse code", type: "string" },
  { key: "express_code", label: "物流公司代码", labelEn: "Carrier code", type: "string" },
  { key: "mail_no", label: "物流单号", labelEn: "Waybill number", type: "string" },
];

export const tradeApi: SourceApiMeta = {
  kind: "source",
  id: "gy.erp.trade.get",
  name: "订单查询",
  nameEn: "Query orders",
  request: [
    ...timeWindow("start_date", "end_date", { start: "开始时间", end: "结束时间", en: "Time" }, { note: "按 date_type 指定的时间", noteEn: "the time date_type chooses" }),
    {
      key: "date_type",
      label: "时间类型",
      labelEn: "Date type",
      type: "integer",
      preset: "3",
      description: "0 创建时间，1 拍单时间，2 付款时间，3 修改时间（增量同步用 3）",
      descriptionEn: "0 created, 1 ordered, 2 paid, 3 modified (3 for incremental syncs)",
      // Only the modification time moves when an order is edited or imported late (guanyi-documents.md).
      incrementalValues: ["3"],
      incrementalDefault: false,
    },
    { key: "order_state", label: "订单状态", labelEn: "Order state", type: "integer", description: "0 全部（默认），1 未审核，2 已审核", descriptionEn: "0 all (the default), 1 not approved, 2 approved" },
    // The rest of guanyi-documents.md § gy.erp.trade.get's request list ([G5][G10]).
    { key: "code", label: "单据编号", labelEn: "Order code", type: "string", description: "SO…" },
    { key: "platform_code", label: "平台单号", labelEn: "Platform order number", type: "string" },
    { key: "shop_code", label: "店铺代码", labelEn: "Shop code", type: "string" },
    { key: "warehouse_code", label: "仓库代码", labelEn: "Warehouse code", type: "string" },
    { key: "vip_name", label: "会员名称", labelEn: "Member name", type: "string" },
    { key: "receiver_mobile", label: "收货人手机", labelEn: "Receiver mobile", type: "string" },
    { key: "has_cancel_data", label: "包含作废订单", labelEn: "Include cancelled", type: "boolean", description: "true 同时返回已取消/删除的订单；默认 false", descriptionEn: "true also returns cancelled or deleted orders; false by default" },
    ...PAGING_FIELDS,
  ],
  // The documented order (guanyi-documents.md § gy.erp.trade.get, sample [G6] and the fields listed
  // after it) has no `id`.
  response: [
    { key: "code", label: "单据编号", labelEn: "Order code", type: "string", description: "SO…" },
    { key: "order_type_name", label: "订单类型", labelEn: "Order type", type: "string", description: "如 销售订单" },
    { key: "platform_code", label: "平台单号", labelEn: "Platform order number", type: "string" },
    { key: "createtime", label: "创建时间", labelEn: "Created at", type: "datetime" },
    { key: "modifytime", label: "修改时间", labelEn: "Modified at", type: "datetime" },
    { key: "dealtime", label: "拍单时间", labelEn: "Ordered at", type: "datetime" },
    { key: "paytime", label: "付款时间", labelEn: "Paid at", type: "datetime" },
    { key: "approve", label: "已审核", labelEn: "Approved", type: "boolean" },
    { key: "approveDate", label: "审核时间", labelEn: "Approved at", type: "datetime" },
    { key: "cancle", label: "已取消", labelEn: "Cancelled", type: "boolean", description: "字段名即如此拼写（cancle）" },
    { key: "cod", label: "货到付款", labelEn: "Cash on delivery", type: "boolean" },
    { key: "delivery_state", label: "发货状态", labelEn: "Delivery state", type: "integer", description: "0 未发货，1 部分发货，2 全部发货" },
    { key: "shop_code", label: "店铺代码", labelEn: "Shop code", type: "string" },
    { key: "shop_name", label: "店铺名称", labelEn: "Shop name", type: "string" },
    { key: "warehouse_code", label: "仓库代码", labelEn: "Warehouse code", type: "string" },
    { key: "warehouse_name", label: "仓库名称", labelEn: "Warehouse name", type: "string" },
    { key: "express_code", label: "物流公司代码", labelEn: "Carrier code", type: "string" },
    { key: "express_name", label: "物流公司名称", labelEn: "Carrier name", type: "string" },
    { key: "vip_code", label: "会员代码", labelEn: "Member code", type: "string" },
    { key: "vip_name", label: "会员名称", labelEn: "Member name", type: "string" },
    { key: "vipRealName", label: "会员姓名", labelEn: "Member real name", type: "string" },
    { key: "qty", label: "商品总数", labelEn: "Total quantity", type: "number" },
    { key: "amount", label: "订单金额", labelEn: "Amount", type: "number", description: "明细金额之和 + 运费 + 优惠（据一份服务商文档）" },
    { key: "payment", label: "已付金额", labelEn: "Paid", type: "number" },
    { key: "payment_amount", label: "应付金额", labelEn: "Amount payable", type: "number" },
    { key: "post_fee", label: "运费", labelEn: "Shipping fee", type: "number" },
    { key: "cod_fee", label: "到付服务费", labelEn: "COD fee", type: "number" },
    { key: "discount_fee", label: "优惠金额", labelEn: "Discount", type: "number" },
    { key: "post_cost", label: "物流成本", labelEn: "Shipping cost", type: "number" },
    { key: "tax_amount", label: "税额", labelEn: "Tax amount", type: "number" },
    { key: "receiver_name", label: "收货人", labelEn: "Receiver", type: "string" },
    { key: "receiver_phone", label: "收货人电话", labelEn: "Receiver phone", type: "string" },
    { key: "receiver_mobile", label: "收货人手机", labelEn: "Receiver mobile", type: "string" },
    { key: "receiver_zip", label: "收货人邮编", labelEn: "Receiver postcode", type: "string" },
    { key: "receiver_address", label: "收货地址", labelEn: "Receiver address", type: "string" },
    { key: "buyer_memo", label: "买家留言", labelEn: "Buyer note", type: "string" },
    { key: "seller_memo", label: "卖家备注", labelEn: "Seller note", type: "string" },
    { key: "seller_memo_late", label: "二次备注", labelEn: "Seller follow-up note", type: "string" },
    { key: "business_man", label: "业务员", labelEn: "Salesperson", type: "string" },
    { key: "plan_delivery_date", label: "预计发货日期", labelEn: "Planned ship date", type: "datetime" },
    { key: "details", label: "商品明细", labelEn: "Lines", type: "array", description: "每个商品规格一行", fields: DETAIL_FIELDS },
    { key: "payments", label: "支付明细", labelEn: "Payments", type: "array", fields: PAYMENT_FIELDS },
    { key: "deliverys", label: "发货单", labelEn: "Deliveries", type: "array", fields: DELIVERY_FIELDS },
  ],
  listKey: "orders",
  // `code` (单据编号, SO…) is the documented key of an order: the sample in guanyi-documents.md
  // § gy.erp.trade.get ([G6]) has no `id`, so keying by `id` refused every real page as a protocol
  // error. Deliveries link to it by detail `trade_code`.
  idField: "code",
  paging: PAGING,
  window: { start: "start_date", end: "end_date" },
};
