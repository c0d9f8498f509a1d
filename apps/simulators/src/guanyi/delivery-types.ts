// The shape of a simulated 发货单 (gy.erp.trade.deliverys.get) as shared/protocols/guanyi-documents.md
// shows it, and what the admin operations pass to the store.
import type { Item, Sku } from "./item-store";

export const WAREHOUSES = { WH01: "主仓", WH02: "华东仓", WH03: "华南仓" } as const;
export type WarehouseCode = keyof typeof WAREHOUSES;

export interface DeliveryDetail {
  id: number;
  trade_code: string;
  platform_code: string;
  oid: string;
  item_id: string;
  item_sku_id: string;
  item_code: string;
  item_name: string;
  sku_code: string;
  sku_name: string;
  qty: number;
  price: number | string;
  amount: number | string;
  discount_fee: number | string;
  amount_after: number | string;
  post_fee: number | string;
  origin_price: number;
  tax_rate: number;
  tax_amount: number;
  refund: 0 | 1;
  is_gift: 0 | 1;
  order_type: string;
  barcode: string | null;
  memo: string;
}

export interface DeliveryStatusInfo {
  /** -1 发货失败, 0 未发货, 1 发货中, 2 发货成功. */
  delivery: -1 | 0 | 1 | 2;
  delivery_date: string | null;
  delivery_name: string | null;
  cancel: boolean;
  intercept: boolean;
  scan: boolean;
  weight: boolean;
  wms: number;
  print_express: boolean;
}

export interface Delivery {
  code: string;
  platform_code: string;
  create_date: string;
  modify_date: string;
  pay_time: string | null;
  qty: number;
  amount: number | string;
  payment: number | string;
  post_fee: number | string;
  cod_fee: number | string;
  discount_fee: number | string;
  post_cost: number | string;
  unpaid_amount: number | string;
  cod: boolean;
  refund: 0 | 1;
  cancel: 0 | 1;
  shop_code: string;
  shop_name: string;
  warehouse_code: string;
  warehouse_name: string;
  vip_code: string;
  vip_name: string;
  vip_real_name?: string;
  express_code: string;
  express_name: string;
  express_no: string | null;
  receiver_name: string;
  receiver_phone: string | null;
  receiver_mobile: string;
  receiver_zip: string;
  receiver_address: string;
  area_name: string;
  buyer_memo: string | null;
  seller_memo: string;
  create_name: string;
  sync_status: number;
  invoices: unknown[];
  payments: null;
  details: DeliveryDetail[];
  delivery_statusInfo: DeliveryStatusInfo;
}

/** One detail line to build: the item and sku it names, and its quantities and prices in fen. */
export interface LineSpec {
  item: Pick<Item, "id" | "code" | "name">;
  sku: Pick<Sku, "id" | "code" | "name" | "bar_code" | "sales_price">;
  qty: number;
  /** Default: the sku's sales price. */
  priceFen?: number;
  discountFen?: number;
  isGift?: boolean;
  refund?: boolean;
}

/**
 * The filters of gy.erp.trade.deliverys.get (guanyi-documents.md § its parameter table), each
 * optional; absent = no check. Windows are inclusive bounds in epoch seconds.
 */
export interface DeliveryQuery {
  /** start_modify_date / end_modify_date, on modify_date (a pair on the wire). */
  modifiedFrom?: number;
  modifiedTo?: number;
  /** start_create / end_create, on create_date; either bound may come alone. */
  createdFrom?: number;
  createdTo?: number;
  /**
   * start_delivery_date / end_delivery_date, on delivery_statusInfo.delivery_date; either bound may
   * come alone; a delivery without a delivery_date (not shipped) is outside every such window.
   */
  deliveredFrom?: number;
  deliveredTo?: number;
  code?: string;
  shopCode?: string;
  warehouseCode?: string;
  /** vip_name, exact. */
  vipName?: string;
  /** outer_code (平台单号), exact match on platform_code. */
  outerCode?: string;
  /** mail_no (物流单号), exact match on express_no. */
  mailNo?: string;
  /** Include 作废 (cancelled) deliveries (del = 1). */
  includeCancelled?: boolean;
  /** delivery: true (1) = 发货成功 only (status 2), false (0) = 未发货/发货中/发货失败 (status 0, 1, -1). */
  shipped?: boolean;
  /** print (打印状态): delivery_statusInfo.print_express. */
  printed?: boolean;
  /** scan (扫描状态): delivery_statusInfo.scan. */
  scanned?: boolean;
  /** cod (货到付款): the delivery's cod. */
  cod?: boolean;
  /** wms (外仓单据): delivery_statusInfo.wms non-zero. */
  wms?: boolean;
  /** sync_status: -1 同步失败, 0 未同步, 1 已同步. */
  syncStatus?: -1 | 0 | 1;
}

/** What a person can change on a delivery through the admin endpoint. */
export interface DeliveryChanges {
  seller_memo?: string;
  buyer_memo?: string | null;
  express_no?: string | null;
  receiver_name?: string;
  receiver_mobile?: string;
  receiver_address?: string;
  warehouse_code?: WarehouseCode;
  /** 1 = 作废. */
  cancel?: 0 | 1;
  /** New 发货状态; 2 stamps delivery_date with the modification time. */
  delivery?: -1 | 0 | 1 | 2;
}

export interface NewDelivery {
  code?: string;
  shop: { code: string; name: string };
  warehouse_code: WarehouseCode;
  platform_code?: string;
  cod?: boolean;
  post_fee?: number;
  seller_memo?: string;
  buyer_memo?: string | null;
  /** 发货状态 at creation (default 0 未发货); 2 ships it at its creation time. */
  delivery?: -1 | 0 | 1 | 2;
  lines: LineSpec[];
}
