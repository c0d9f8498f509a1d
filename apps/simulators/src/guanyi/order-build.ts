// How the simulator's 订单 are built: their money from their lines, the orders generated from the
// seeded deliveries (one order per delivery, same code as the delivery details' `trade_code`) and
// those generated without a delivery yet. Choices where guanyi-documents.md is silent:
// - Money in fen. A detail's `amount` = qty × price, `amount_after` = amount − discount_fee (the
//   sample: 200, 20, 180). The header's `amount` = sum of detail amounts + post_fee (the sample has
//   no 运费, so it cannot tell whether 运费 belongs there; [G10] says it does), `discount_fee` = sum
//   of the details', `payment` (已付) = amount − discount_fee (as in the sample; 0 for 货到付款),
//   and `payment_amount` = amount (the sample's value; its meaning is not documented).
// - An order and its delivery agree: the same platform_code, shop, warehouse, member, receiver,
//   express and lines; the order's `payment` equals the delivery's, its `paytime` the delivery's
//   `pay_time`. Order times: dealtime (拍单) ≤ paytime ≤ createtime (the sample has createtime =
//   paytime) < approveDate = the delivery's create_date (approving an order makes its delivery)
//   ≤ modifytime = the delivery's modify_date. A 作废 delivery's order is cancelled (`cancle`), a
//   shipped one (发货成功) makes `delivery_state` 2, any other 0.
// - Orders are snapshots like deliveries: changing a delivery through the admin endpoint later
//   changes no order (and the reverse).
// - Absent values: `paytime` null (货到付款), `approveDate` null (未审核), detail `oid` null,
//   `payCode` "" (预存款), `seller_memo` "", `vipRealName` missing unless the member has a real name.
import { between, beijingSeconds, DATES_UNTIL_S, formatBeijing, pick, random, yuan } from "./dataset";
import { AREAS, BUYER_MEMOS, EXPRESS, generatedLines, GIVEN, ROADS, SELLER_MEMOS, SURNAMES } from "./delivery-lines";
import { WAREHOUSES, type Delivery, type LineSpec } from "./delivery-types";
import type { ItemStore } from "./item-store";
import type { Order, OrderDetail, OrderPayment } from "./order-types";
import type { ShopStore } from "./shop-store";

/** Generated orders without a delivery use codes from here (delivery trade codes stay below it). */
export const ORDER_CODE_BASE = 842187100000;
const FIRST_CREATED_S = beijingSeconds(2024, 1, 1);
/** 支付方式 and whether it has a 交易号 (预存款 has none: `payCode` "", as in the sample). */
const PAY_TYPES: [string, boolean][] = [
  ["支付宝", true],
  ["微信支付", true],
  ["预存款", false],
];
const SALES_PEOPLE = ["客服-阿May", "客服-小周", "系统"];

export const fenOf = (yuanValue: number | string) => Math.round(Number(yuanValue) * 100);

/** An order's times in epoch seconds: what the filters and the sort read. */
export interface OrderTimes {
  created: number;
  dealt: number;
  /** null: not paid (货到付款). */
  paid: number | null;
  modified: number;
}

/** The details and the header money that follows from them. */
export function pricedOrder(lines: LineSpec[], postFen: number, cod: boolean) {
  let qty = 0;
  let amountFen = 0;
  let discountFen = 0;
  const details = lines.map((line): OrderDetail => {
    const priceFen = line.isGift ? 0 : (line.priceFen ?? fenOf(line.sku.sales_price));
    const lineAmount = line.qty * priceFen;
    const lineDiscount = Math.min(line.discountFen ?? 0, lineAmount);
    qty += line.qty;
    amountFen += lineAmount;
    discountFen += lineDiscount;
    return {
      oid: null,
      qty: line.qty,
      price: yuan(priceFen),
      amount: yuan(lineAmount),
      refund: line.refund ? 1 : 0,
      note: line.refund ? "已取消" : line.isGift ? "赠品" : "",
      item_code: line.item.code,
      item_name: line.item.name,
      item_simple_name: "",
      sku_code: line.sku.code,
      sku_name: line.sku.name,
      post_fee: 0,
      discount_fee: yuan(lineDiscount),
      amount_after: yuan(lineAmount - lineDiscount),
      platform_item_name: line.item.name,
      platform_sku_name: line.sku.name,
      sku_note: line.sku.code === line.item.code ? "默认属性" : line.sku.name,
    };
  });
  const total = amountFen + postFen;
  return {
    qty,
    amount: yuan(total),
    payment: cod ? 0 : yuan(total - discountFen),
    payment_amount: yuan(total),
    post_fee: yuan(postFen),
    cod_fee: cod ? 5 : 0,
    discount_fee: yuan(discountFen),
    details,
  };
}

/** The header money fields of a priced order, in the sample's key order. */
export function moneyOf(p: ReturnType<typeof pricedOrder>) {
  const { qty, amount, payment, payment_amount, post_fee, cod_fee, discount_fee } = p;
  return { qty, amount, payment, payment_amount, post_fee, cod_fee, discount_fee };
}

/** One payment of the whole `payment`, or none when nothing was paid. */
export function paymentsOf(payment: number, paytime: string | null, payType: [string, boolean], payCode: string): OrderPayment[] {
  if (paytime === null || payment === 0) return [];
  return [{ payment, payCode: payType[1] ? payCode : "", pay_type_name: payType[0], paytime }];
}

/** A delivery's lines as they were priced (gifts, cancelled lines and discounts kept). */
function linesOf(d: Readonly<Delivery>): LineSpec[] {
  return d.details.map((l) => ({
    item: { id: Number(l.item_id), code: l.item_code, name: l.item_name },
    sku: { id: Number(l.item_sku_id), code: l.sku_code, name: l.sku_name, bar_code: l.barcode, sales_price: l.origin_price },
    qty: l.qty,
    priceFen: fenOf(l.price),
    discountFen: fenOf(l.discount_fee),
    isGift: l.is_gift === 1,
    refund: l.refund === 1,
  }));
}

/** Epoch seconds of a datetime the simulator wrote itself (no validation: generation reads 50,000 of them). */
const secondsOf = (t: string) => beijingSeconds(+t.slice(0, 4), +t.slice(5, 7), +t.slice(8, 10), +t.slice(11, 13), +t.slice(14, 16), +t.slice(17, 19));

/** The order of generated delivery `d` (order `index`): its code is the delivery's `trade_code`. */
export function orderOfDelivery(seed: number, index: number, d: Readonly<Delivery>): { order: Order; times: OrderTimes } {
  const r = (field: number) => random(seed, index, 600 + field);
  const deliveryCreated = secondsOf(d.create_date);
  const paid = d.pay_time === null ? null : secondsOf(d.pay_time);
  const created = paid === null ? deliveryCreated - between(60, 7200, r(0)) : paid + between(0, 30, r(0));
  const dealt = (paid ?? created) - between(5, 1800, r(1));
  const modified = secondsOf(d.modify_date);
  const shipped = d.delivery_statusInfo.delivery === 2;
  const p = pricedOrder(linesOf(d), fenOf(d.post_fee), d.cod);
  const order: Order = {
    code: d.details[0]?.trade_code ?? "",
    order_type_name: "销售订单",
    platform_code: d.platform_code,
    createtime: formatBeijing(created),
    modifytime: d.modify_date,
    dealtime: formatBeijing(dealt),
    paytime: d.pay_time,
    approve: true,
    approveDate: d.create_date,
    cancle: d.cancel === 1,
    cod: d.cod,
    delivery_state: shipped ? 2 : 0,
    shop_code: d.shop_code,
    shop_name: d.shop_name,
    warehouse_code: d.warehouse_code,
    warehouse_name: d.warehouse_name,
    express_code: d.express_code,
    express_name: d.express_name,
    vip_code: d.vip_code,
    vip_name: d.vip_name,
    ...moneyOf(p),
    post_cost: d.post_cost,
    tax_amount: 0,
    receiver_name: d.receiver_name,
    receiver_mobile: d.receiver_mobile,
    receiver_phone: d.receiver_phone,
    receiver_zip: d.receiver_zip,
    receiver_address: d.receiver_address,
    buyer_memo: d.buyer_memo,
    seller_memo: d.seller_memo,
    seller_memo_late: "",
    business_man: r(2) < 0.7 ? null : pick(SALES_PEOPLE, r(3)),
    plan_delivery_date: null,
    ...(d.vip_real_name === undefined ? {} : { vipRealName: d.vip_real_name }),
    details: p.details,
    payments: paymentsOf(Number(p.payment), d.pay_time, pick(PAY_TYPES, r(4)), payCode(r(5), d.pay_time)),
    deliverys: [{ delivery: shipped, code: d.code, warehouse_code: d.warehouse_code, express_code: d.express_code, mail_no: d.express_no }],
    invoices: [],
  };
  return { order, times: { created, dealt, paid, modified } };
}

/** A 交易号: the payment's date, then twelve digits. */
function payCode(r: number, paytime: string | null): string {
  return `${(paytime ?? "").slice(0, 10).replace(/-/g, "")}${String(Math.floor(r * 1e12)).padStart(12, "0")}`;
}

/**
 * Order `index`, generated without a delivery (it has not been shipped yet): most are 未审核, some
 * approved and waiting for their delivery, some cancelled before approval. `orderSeed` differs from
 * the deliveries' seed so their lines do not repeat the deliveries'.
 */
export function orderWithoutDelivery(orderSeed: number, index: number, shops: ShopStore, items: ItemStore): { order: Order; times: OrderTimes } {
  const r = (field: number) => random(orderSeed, index, 700 + field);
  const shop = shops.get(between(0, shops.generated - 1, r(0)));
  const cod = r(1) < 0.05;
  const state = r(2);
  const approved = state >= 0.8 && state < 0.9;
  const cancelled = state >= 0.9;
  const dealt = FIRST_CREATED_S + Math.floor(r(3) * (DATES_UNTIL_S - 3 * 86400 - FIRST_CREATED_S));
  const paid = cod ? null : dealt + between(3, 900, r(4));
  const created = (paid ?? dealt) + between(0, 120, r(5));
  const modified = created + (approved || cancelled ? between(60, 86400, r(6)) : between(0, 600, r(6)));
  const warehouse = r(7) < 0.6 ? "WH01" : r(7) < 0.85 ? "WH02" : "WH03";
  const [expressCode, expressName] = pick(EXPRESS, r(8));
  const receiver = `${pick(SURNAMES, r(9))}${pick(GIVEN, r(10))}`;
  const area = pick(AREAS, r(11));
  const vip = `${receiver}${between(100, 999, r(12))}`;
  const p = pricedOrder(generatedLines(orderSeed, index, items), r(13) < 0.6 ? 0 : between(5, 15, r(14)) * 100, cod);
  const paytime = paid === null ? null : formatBeijing(paid);
  const order: Order = {
    code: `SO${ORDER_CODE_BASE + index * 17}`,
    order_type_name: "销售订单",
    platform_code: String(1e15 + Math.floor(r(15) * 8e15)),
    createtime: formatBeijing(created),
    modifytime: formatBeijing(modified),
    dealtime: formatBeijing(dealt),
    paytime,
    approve: approved,
    approveDate: approved ? formatBeijing(modified) : null,
    cancle: cancelled,
    cod,
    delivery_state: 0,
    shop_code: shop.code,
    shop_name: shop.name,
    warehouse_code: warehouse,
    warehouse_name: WAREHOUSES[warehouse],
    express_code: approved ? expressCode : "",
    express_name: approved ? expressName : "",
    vip_code: vip,
    vip_name: vip,
    ...moneyOf(p),
    post_cost: 0,
    tax_amount: 0,
    receiver_name: receiver,
    receiver_mobile: `1${between(3, 9, r(16))}${String(Math.floor(r(17) * 1e9)).padStart(9, "0")}`,
    receiver_phone: null,
    receiver_zip: "",
    receiver_address: `${area.replace(/-/g, "")}${pick(ROADS, r(18))}${between(1, 999, r(19))}号`,
    buyer_memo: r(20) < 0.8 ? null : pick(BUYER_MEMOS, r(21)),
    seller_memo: r(22) < 0.85 ? "" : pick(SELLER_MEMOS, r(23)),
    seller_memo_late: "",
    business_man: null,
    plan_delivery_date: approved && r(24) < 0.5 ? formatBeijing(modified + 86400) : null,
    ...(r(25) < 0.3 ? { vipRealName: receiver } : {}),
    details: p.details,
    payments: paymentsOf(Number(p.payment), paytime, pick(PAY_TYPES, r(26)), payCode(r(27), paytime)),
    deliverys: [],
    invoices: [],
  };
  return { order, times: { created, dealt, paid, modified } };
}
