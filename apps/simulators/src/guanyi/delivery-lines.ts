// A generated 发货单's detail lines and their money, and the words its generated fields are made of
// (shared with the order store, whose orders name the same lines). Choices where
// shared/protocols/guanyi-documents.md is silent:
// - Money is computed in fen: a detail's `amount` = qty × price, `amount_after` = amount −
//   discount_fee; the header's `qty`, `amount` and `discount_fee` are the sums of its details,
//   `payment` = amount − discount_fee + post_fee (0 for 货到付款, which owes it as `unpaid_amount`).
// - Some detail lines have qty 0: cancelled lines (`refund` 1) and zero-quantity gifts; other gifts
//   have qty 1 and price 0 (`is_gift` 1).
// - Money is kept as JSON numbers; `render(…, true)` turns the fields the 2025 sample sends as
//   strings into strings (header amount, payment, post_fee, cod_fee, discount_fee, post_cost,
//   unpaid_amount; detail price, amount, discount_fee, amount_after, post_fee).
import { between, pick, random, yuan } from "./dataset";
import type { Delivery, DeliveryDetail, LineSpec } from "./delivery-types";
import type { ItemStore } from "./item-store";

const HEADER_MONEY = ["amount", "payment", "post_fee", "cod_fee", "discount_fee", "post_cost", "unpaid_amount"] as const;
const DETAIL_MONEY = ["price", "amount", "discount_fee", "amount_after", "post_fee"] as const;

export const EXPRESS: [string, string, string][] = [
  ["SF", "顺丰速运", "SF"],
  ["YTO", "圆通速递", "YT"],
  ["ZTO", "中通快递", "ZT"],
  ["YD", "韵达快递", "YD"],
  ["JD", "京东物流", "JDV"],
];
export const AREAS = ["广东省-广州市-番禺区", "浙江省-杭州市-西湖区", "江苏省-苏州市-工业园区", "上海市-上海市-浦东新区", "北京市-北京市-朝阳区", "四川省-成都市-武侯区", "湖北省-武汉市-洪山区", "福建省-厦门市-思明区"];
export const ROADS = ["文一西路", "中山大道", "人民路", "解放路", "建设路", "科技园南路"];
export const SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙"];
export const GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "婷", "飞", "诚燕"];
export const BUYER_MEMOS = ["请尽快发货", "不要放快递柜", "送人的，不要放发票", "周末送货"];
export const SELLER_MEMOS = ["加急", "已电话确认地址", "换货补发"];

const DETAIL_ID_BASE = 842186100000;
/** Detail ids per delivery (lines per delivery are capped at this). */
export const MAX_LINES = 64;

export const fenOf = (yuanValue: number | string) => Math.round(Number(yuanValue) * 100);

/** Details with their money, and the header fields that are sums of them. */
export function priced(index: number, tradeCode: string, platformCode: string, lines: LineSpec[], postFen: number, cod: boolean) {
  let qty = 0;
  let amountFen = 0;
  let discountFen = 0;
  const details = lines.map((line, j): DeliveryDetail => {
    const originFen = fenOf(line.sku.sales_price);
    const priceFen = line.isGift ? 0 : (line.priceFen ?? originFen);
    const lineAmount = line.qty * priceFen;
    const lineDiscount = Math.min(line.discountFen ?? 0, lineAmount);
    qty += line.qty;
    amountFen += lineAmount;
    discountFen += lineDiscount;
    return {
      id: DETAIL_ID_BASE + index * MAX_LINES + j,
      trade_code: tradeCode,
      platform_code: platformCode,
      oid: "",
      item_id: String(line.item.id),
      item_sku_id: String(line.sku.id),
      item_code: line.item.code,
      item_name: line.item.name,
      sku_code: line.sku.code,
      sku_name: line.sku.name,
      qty: line.qty,
      price: yuan(priceFen),
      amount: yuan(lineAmount),
      discount_fee: yuan(lineDiscount),
      amount_after: yuan(lineAmount - lineDiscount),
      post_fee: 0,
      origin_price: yuan(originFen),
      tax_rate: 0,
      tax_amount: 0,
      refund: line.refund ? 1 : 0,
      is_gift: line.isGift ? 1 : 0,
      order_type: "Sales",
      barcode: line.sku.bar_code,
      memo: line.refund ? "已取消" : "",
    };
  });
  const due = amountFen - discountFen + postFen;
  return {
    qty,
    amount: yuan(amountFen),
    payment: cod ? 0 : yuan(due),
    post_fee: yuan(postFen),
    cod_fee: cod ? 5 : 0,
    discount_fee: yuan(discountFen),
    unpaid_amount: cod ? yuan(due) : 0,
    refund: details.some((d) => d.refund === 1) ? (1 as const) : (0 as const),
    details,
  };
}

/** The lines of generated document `index` (orders without a delivery use them too, with a seed of their own). */
export function generatedLines(seed: number, index: number, items: ItemStore): LineSpec[] {
  const r = (field: number) => random(seed, index, 200 + field);
  const count = r(0) < 0.55 ? 1 : between(2, 5, r(1));
  return Array.from({ length: count }, (_, j) => {
    const q = (field: number) => random(seed, index * MAX_LINES + j, 300 + field);
    const item = items.view(between(0, items.generated - 1, q(0)));
    const sku = pick(item.skus, q(1));
    const kind = q(2);
    if (kind < 0.08) return { item, sku, qty: 0, isGift: q(3) < 0.3, refund: true };
    if (kind < 0.14) return { item, sku, qty: 1, isGift: true };
    const qty = q(4) < 0.7 ? 1 : between(2, 6, q(5));
    const originFen = fenOf(sku.sales_price);
    const priceFen = q(6) < 0.3 ? Math.round((originFen * 0.9) / 10) * 10 : originFen;
    const discountFen = q(7) < 0.2 ? Math.round(qty * priceFen * 0.05) : 0;
    return { item, sku, qty, priceFen, discountFen };
  });
}

/** The header fields that follow from the details (the details themselves go last, as in the sample). */
export function moneyFields(p: ReturnType<typeof priced>) {
  const { qty, amount, payment, post_fee, cod_fee, discount_fee, unpaid_amount, refund } = p;
  return { qty, amount, payment, post_fee, cod_fee, discount_fee, unpaid_amount, refund };
}

/** A copy of the delivery, money as strings when asked (the 2025 shape). */
export function render(delivery: Delivery, moneyAsString: boolean): Delivery {
  const copy = structuredClone(delivery);
  if (!moneyAsString) return copy;
  for (const key of HEADER_MONEY) copy[key] = String(copy[key]);
  for (const detail of copy.details) for (const key of DETAIL_MONEY) detail[key] = String(detail[key]);
  return copy;
}
