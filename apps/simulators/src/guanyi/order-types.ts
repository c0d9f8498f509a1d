// The shape of a simulated 订单 (gy.erp.trade.get) as shared/protocols/guanyi-documents.md shows it
// (the sample response [G6], keys in its order), and what the admin operations pass to the store.
// Orders spell things their own way: `createtime` / `paytime` (deliveries: `create_date` /
// `pay_time`), `cancle`, `approveDate`, payments' `payCode`, `vipRealName`.
import type { LineSpec, WarehouseCode } from "./delivery-types";

export interface OrderDetail {
  oid: string | null;
  qty: number;
  price: number | string;
  amount: number | string;
  /** 0 未退款, 1 退款完成, 2 退款中 (the doc's sources disagree; the simulator emits 0 and 1, 2 only when set). */
  refund: 0 | 1 | 2;
  note: string;
  item_code: string;
  item_name: string;
  item_simple_name: string;
  sku_code: string;
  sku_name: string;
  post_fee: number | string;
  discount_fee: number | string;
  amount_after: number | string;
  platform_item_name: string;
  platform_sku_name: string;
  sku_note: string;
}

export interface OrderPayment {
  payment: number | string;
  /** 交易号; "" for 预存款, as in the sample. */
  payCode: string;
  pay_type_name: string;
  paytime: string;
}

/** The order's 发货单, as the sample nests them (a summary, not the whole delivery). */
export interface OrderDelivery {
  /** Shipped. */
  delivery: boolean;
  code: string;
  warehouse_code: string;
  express_code: string;
  mail_no: string | null;
}

export interface Order {
  code: string;
  order_type_name: string;
  platform_code: string;
  createtime: string;
  modifytime: string;
  /** 拍单时间. */
  dealtime: string;
  /** null for 货到付款 (nothing paid yet). */
  paytime: string | null;
  approve: boolean;
  approveDate: string | null;
  cancle: boolean;
  cod: boolean;
  /** 0 未发货, 1 部分发货, 2 全部发货. */
  delivery_state: 0 | 1 | 2;
  shop_code: string;
  shop_name: string;
  warehouse_code: string;
  warehouse_name: string;
  express_code: string;
  express_name: string;
  vip_code: string;
  vip_name: string;
  qty: number;
  amount: number | string;
  payment: number | string;
  payment_amount: number | string;
  post_fee: number | string;
  cod_fee: number | string;
  discount_fee: number | string;
  post_cost: number | string;
  tax_amount: number;
  receiver_name: string;
  receiver_mobile: string;
  receiver_phone: string | null;
  receiver_zip: string;
  receiver_address: string;
  buyer_memo: string | null;
  seller_memo: string;
  seller_memo_late: string;
  business_man: string | null;
  plan_delivery_date: string | null;
  vipRealName?: string;
  details: OrderDetail[];
  payments: OrderPayment[];
  deliverys: OrderDelivery[];
  invoices: unknown[];
}

/** `date_type`: which time `start_date` / `end_date` filter (and the rows are sorted by). */
export const ORDER_DATE_TYPES = { 0: "createtime", 1: "dealtime", 2: "paytime", 3: "modifytime" } as const;
export type OrderDateType = keyof typeof ORDER_DATE_TYPES;

export interface OrderQuery {
  /** Default 0 (创建时间), as documented. */
  dateType?: OrderDateType;
  /** Inclusive bounds on the date_type's time, in epoch seconds; either may come alone. */
  from?: number;
  to?: number;
  /** 0 全部 (default), 1 未审核, 2 已审核. */
  orderState?: 0 | 1 | 2;
  code?: string;
  platformCode?: string;
  shopCode?: string;
  warehouseCode?: string;
  vipName?: string;
  receiverMobile?: string;
  /** has_cancel_data: also return cancelled orders. */
  includeCancelled?: boolean;
}

/** What a person can change on an order through the admin endpoint. */
export interface OrderChanges {
  seller_memo?: string;
  buyer_memo?: string | null;
  receiver_name?: string;
  receiver_mobile?: string;
  receiver_address?: string;
  warehouse_code?: WarehouseCode;
  /** true stamps approveDate with the modification time, false clears it. */
  approve?: boolean;
  cancle?: boolean;
  delivery_state?: 0 | 1 | 2;
}

export interface NewOrder {
  code?: string;
  shop: { code: string; name: string };
  warehouse_code: WarehouseCode;
  platform_code?: string;
  cod?: boolean;
  post_fee?: number;
  /** 拍单时间 in epoch seconds; default: when it is added. */
  dealt?: number;
  approve?: boolean;
  vip_name?: string;
  receiver_mobile?: string;
  seller_memo?: string;
  buyer_memo?: string | null;
  lines: LineSpec[];
}
