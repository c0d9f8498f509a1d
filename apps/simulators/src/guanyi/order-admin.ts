// Admin operations on the simulator's orders (POST /__admin/orders, /__admin/orders/modify and the
// same methods in-process), like those on deliveries (document-admin.ts): zod says what a request
// may hold, every shop and sku code is checked before anything changes, so a batch is all or
// nothing. Orders added here have no delivery (`deliverys` []), are paid by 预存款 when they are
// added (货到付款: unpaid) and are 未审核 unless `approve` is true. A modification sets `cancle`,
// `delivery_state` and `approve` as given: no delivery is made, changed or checked.
import { z } from "zod";
import { parseBeijing } from "./dataset";
import { MAX_LINES } from "./delivery-lines";
import { lines, lineSchema, money, parse, reserveCodes, shopOf, text, warehouseCode } from "./document-admin";
import { HttpError } from "./http";
import type { ItemStore } from "./item-store";
import type { OrderStore } from "./order-store";
import type { Order } from "./order-types";
import type { ShopStore } from "./shop-store";

const datetime = z.string().refine((v) => parseBeijing(v) !== undefined, "应为 yyyy-MM-dd HH:mm:ss 格式的北京时间");

const newOrderSchema = z
  .object({
    code: z.string().trim().min(1).max(64).optional(),
    shop_code: z.string().min(1),
    warehouse_code: warehouseCode.default("WH01"),
    platform_code: text(64).optional(),
    cod: z.boolean().optional(),
    post_fee: money.optional(),
    /** 拍单时间; default: when the order is added. */
    dealtime: datetime.optional(),
    approve: z.boolean().optional(),
    vip_name: text(100).optional(),
    receiver_mobile: text(32).optional(),
    seller_memo: text(1000).optional(),
    buyer_memo: text(1000).nullable().optional(),
    details: z.array(lineSchema).min(1).max(MAX_LINES),
  })
  .strict();

const orderChangeSchema = z
  .object({
    code: z.string().min(1),
    set: z
      .object({
        seller_memo: text(1000),
        buyer_memo: text(1000).nullable(),
        receiver_name: text(100),
        receiver_mobile: text(32),
        receiver_address: text(500),
        warehouse_code: warehouseCode,
        approve: z.boolean(),
        cancle: z.boolean(),
        delivery_state: z.union([z.literal(0), z.literal(1), z.literal(2)]),
      })
      .partial()
      .strict()
      .optional(),
    /** Replaces every line; the header's sums and the payment follow. */
    details: z.array(lineSchema).min(1).max(MAX_LINES).optional(),
  })
  .strict();

export const orderAdminSchemas = {
  addOrders: z.object({ orders: z.array(newOrderSchema).min(1) }).strict(),
  modifyOrders: z.object({ orders: z.array(orderChangeSchema).min(1) }).strict(),
};

export type NewOrderInput = z.input<typeof newOrderSchema>;
export type OrderChange = z.input<typeof orderChangeSchema>;

export interface OrderData {
  shops: ShopStore;
  items: ItemStore;
  orders: OrderStore;
}

export function addOrders(data: OrderData, input: NewOrderInput[], now: number): Order[] {
  const orders = parse(orderAdminSchemas.addOrders, { orders: input }).orders;
  const reserved = reserveCodes(data.orders, orders.map((o) => o.code), "订单");
  const specs = orders.map((o) => {
    const shop = shopOf(data.shops, o.shop_code);
    // Codes are given out now, so an automatic one cannot collide with one chosen later in the batch.
    const code = o.code ?? data.orders.freeCode(reserved);
    reserved.add(code);
    return {
      code,
      shop,
      warehouse_code: o.warehouse_code,
      platform_code: o.platform_code,
      cod: o.cod,
      post_fee: o.post_fee,
      dealt: o.dealtime === undefined ? undefined : parseBeijing(o.dealtime),
      approve: o.approve,
      vip_name: o.vip_name,
      receiver_mobile: o.receiver_mobile,
      seller_memo: o.seller_memo,
      buyer_memo: o.buyer_memo,
      lines: lines(data, o.details),
    };
  });
  return specs.map((spec) => data.orders.add(spec, now));
}

export function modifyOrders(data: OrderData, input: OrderChange[], now: number): Order[] {
  const changes = parse(orderAdminSchemas.modifyOrders, { orders: input }).orders;
  const targets = changes.map((c) => {
    const index = data.orders.indexOfCode(c.code);
    if (index < 0) throw new HttpError(404, `没有这个订单：${c.code}`);
    return { index, set: c.set ?? {}, lines: c.details && lines(data, c.details) };
  });
  return targets.map((t) => data.orders.modify(t.index, t.set, t.lines, now));
}
