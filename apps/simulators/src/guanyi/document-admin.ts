// Admin operations on the simulator's items and deliveries (POST /__admin/items…, /__admin/deliveries…
// and the same methods in-process): what a request may say (zod), and how it is checked against
// the dataset before anything changes, so every batch is all or nothing, like the shop operations.
import { z } from "zod";
import { MAX_LINES } from "./delivery-lines";
import type { DeliveryStore } from "./delivery-store";
import { WAREHOUSES, type Delivery, type LineSpec } from "./delivery-types";
import { HttpError } from "./http";
import type { Item, ItemStore } from "./item-store";
import type { ShopStore } from "./shop-store";

export const money = z.number().min(0).max(1e9);
export const text = (max: number) => z.string().max(max);
export const warehouseCode = z.enum(Object.keys(WAREHOUSES) as [keyof typeof WAREHOUSES, ...(keyof typeof WAREHOUSES)[]]);
/** delivery_statusInfo.delivery: -1 发货失败, 0 未发货, 1 发货中, 2 发货成功. */
const deliveryStatus = z.union([z.literal(-1), z.literal(0), z.literal(1), z.literal(2)]);

const itemFieldsSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    simple_name: text(200),
    note: text(1000),
    category_code: text(64),
    category_name: text(100),
    sales_price: money,
    purchase_price: money,
    agent_price: money,
    cost_price: money,
    del: z.boolean(),
    bar_code: text(64).nullable(),
    weight: z.number().min(0),
  })
  .partial()
  .strict();

const newItemSchema = itemFieldsSchema
  .extend({
    code: z.string().trim().min(1).max(64),
    name: z.string().trim().min(1).max(200),
    skus: z
      .array(z.object({ code: z.string().trim().min(1).max(64), name: z.string().trim().min(1).max(200), sales_price: money.optional(), bar_code: text(64).nullable().optional() }).strict())
      .max(8)
      .optional(),
  })
  .strict();

const itemChangeSchema = z.object({ code: z.string().min(1), set: itemFieldsSchema.optional() }).strict();

export const lineSchema = z
  .object({
    sku_code: z.string().min(1),
    qty: z.number().int().min(0).max(1_000_000),
    /** 实际单价 in yuan; default the sku's sales price. */
    price: money.optional(),
    discount_fee: money.optional(),
    is_gift: z.boolean().optional(),
    refund: z.boolean().optional(),
  })
  .strict();

const newDeliverySchema = z
  .object({
    code: z.string().trim().min(1).max(64).optional(),
    shop_code: z.string().min(1),
    warehouse_code: warehouseCode.default("WH01"),
    platform_code: text(64).optional(),
    cod: z.boolean().optional(),
    post_fee: money.optional(),
    seller_memo: text(1000).optional(),
    buyer_memo: text(1000).nullable().optional(),
    /** 发货状态 at creation: 0 未发货 (default); 2 ships it now (delivery_date = its create_date). */
    delivery: deliveryStatus.default(0),
    details: z.array(lineSchema).min(1).max(MAX_LINES),
  })
  .strict();

const deliveryChangeSchema = z
  .object({
    code: z.string().min(1),
    set: z
      .object({
        seller_memo: text(1000),
        buyer_memo: text(1000).nullable(),
        express_no: text(64).nullable(),
        receiver_name: text(100),
        receiver_mobile: text(32),
        receiver_address: text(500),
        warehouse_code: warehouseCode,
        cancel: z.union([z.literal(0), z.literal(1)]),
        delivery: deliveryStatus,
      })
      .partial()
      .strict()
      .optional(),
    /** Replaces every line; the header's sums follow. */
    details: z.array(lineSchema).min(1).max(MAX_LINES).optional(),
  })
  .strict();

export const documentAdminSchemas = {
  addItems: z.object({ items: z.array(newItemSchema).min(1) }).strict(),
  modifyItems: z.object({ items: z.array(itemChangeSchema).min(1) }).strict(),
  addDeliveries: z.object({ deliveries: z.array(newDeliverySchema).min(1) }).strict(),
  modifyDeliveries: z.object({ deliveries: z.array(deliveryChangeSchema).min(1) }).strict(),
};

export type NewItemInput = z.input<typeof newItemSchema>;
export type ItemChange = z.input<typeof itemChangeSchema>;
export type DeliveryLineInput = z.input<typeof lineSchema>;
export type NewDeliveryInput = z.input<typeof newDeliverySchema>;
export type DeliveryChange = z.input<typeof deliveryChangeSchema>;

export interface DocumentData {
  shops: ShopStore;
  items: ItemStore;
  deliveries: DeliveryStore;
}

/** Parses in-process input as the admin endpoint does, so both doors accept the same things. */
export function parse<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new HttpError(400, parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; "));
  return parsed.data;
}

/**
 * The codes a batch of new documents asks for, checked all at once (all or nothing): none taken in
 * `store` or twice in the batch (409). Returns them, reserved: `freeCode` skips them when it gives
 * out a code to a document of the batch that named none.
 */
export function reserveCodes(store: { indexOfCode(code: string): number }, codes: readonly (string | undefined)[], what: string): Set<string> {
  const reserved = new Set<string>();
  for (const code of codes) {
    if (code === undefined) continue;
    if (reserved.has(code) || store.indexOfCode(code) >= 0) throw new HttpError(409, `${what} ${code} 已存在`);
    reserved.add(code);
  }
  return reserved;
}

/** A document's shop by its code, as the document carries it (404 if there is none). */
export function shopOf(shops: ShopStore, code: string): { code: string; name: string } {
  const index = shops.indexOfCode(code);
  if (index < 0) throw new HttpError(404, `没有这个店铺：${code}`);
  const shop = shops.get(index);
  return { code: shop.code, name: shop.name };
}

export function addItems(data: DocumentData, input: NewItemInput[], now: number): Item[] {
  const items = parse(documentAdminSchemas.addItems, { items: input }).items;
  const seen = new Set<string>();
  for (const item of items) {
    const codes = [...new Set([item.code, ...(item.skus ?? []).map((s) => s.code)])];
    for (const code of codes) {
      if (seen.has(code) || data.items.indexOfCode(code) >= 0 || data.items.findSku(code)) throw new HttpError(409, `商品或规格代码 ${code} 已存在`);
      seen.add(code);
    }
    if ((item.skus ?? []).length !== new Set((item.skus ?? []).map((s) => s.code)).size) throw new HttpError(409, `商品 ${item.code} 的规格代码重复`);
  }
  return items.map((item) => data.items.add(item, now));
}

export function modifyItems(data: DocumentData, input: ItemChange[], now: number): Item[] {
  const changes = parse(documentAdminSchemas.modifyItems, { items: input }).items;
  const targets = changes.map((c) => ({ index: itemIndex(data, c.code), set: c.set ?? {} }));
  return targets.map((t) => data.items.modify(t.index, t.set, now));
}

export function addDeliveries(data: DocumentData, input: NewDeliveryInput[], now: number): Delivery[] {
  const deliveries = parse(documentAdminSchemas.addDeliveries, { deliveries: input }).deliveries;
  const reserved = reserveCodes(data.deliveries, deliveries.map((d) => d.code), "发货单");
  const specs = deliveries.map((d) => {
    const shop = shopOf(data.shops, d.shop_code);
    // Codes are given out now, so an automatic one cannot collide with one chosen later in the batch.
    const code = d.code ?? data.deliveries.freeCode(reserved);
    reserved.add(code);
    return {
      code,
      shop,
      warehouse_code: d.warehouse_code,
      platform_code: d.platform_code,
      cod: d.cod,
      post_fee: d.post_fee,
      seller_memo: d.seller_memo,
      buyer_memo: d.buyer_memo,
      delivery: d.delivery,
      lines: lines(data, d.details),
    };
  });
  return specs.map((spec) => data.deliveries.add(spec, now));
}

export function modifyDeliveries(data: DocumentData, input: DeliveryChange[], now: number): Delivery[] {
  const changes = parse(documentAdminSchemas.modifyDeliveries, { deliveries: input }).deliveries;
  const targets = changes.map((c) => {
    const index = data.deliveries.indexOfCode(c.code);
    if (index < 0) throw new HttpError(404, `没有这个发货单：${c.code}`);
    return { index, set: c.set ?? {}, lines: c.details && lines(data, c.details) };
  });
  return targets.map((t) => data.deliveries.modify(t.index, t.set, t.lines, now));
}

function itemIndex(data: DocumentData, code: string): number {
  const index = data.items.indexOfCode(code);
  if (index < 0) throw new HttpError(404, `没有这个商品：${code}`);
  return index;
}

/** Detail lines naming sku codes, resolved against the items (404 for an unknown sku). */
export function lines(data: Pick<DocumentData, "items">, details: z.output<typeof lineSchema>[]): LineSpec[] {
  return details.map((line) => {
    const found = data.items.findSku(line.sku_code);
    if (!found) throw new HttpError(404, `没有这个规格：${line.sku_code}`);
    return {
      item: found.item,
      sku: found.sku,
      qty: line.qty,
      priceFen: line.price === undefined ? undefined : Math.round(line.price * 100),
      discountFen: line.discount_fee === undefined ? undefined : Math.round(line.discount_fee * 100),
      isGift: line.is_gift,
      refund: line.refund,
    };
  });
}
