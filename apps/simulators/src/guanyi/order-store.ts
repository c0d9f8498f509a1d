// The simulator's 订单 (gy.erp.trade.get): N orders generated from a seed, plus whatever the admin
// endpoint adds or modifies. Order i of the first min(N, deliveries) is the order of generated
// delivery i (its `code` is that delivery's detail `trade_code`); the rest have no delivery yet.
// How they are built and priced: order-build.ts. Choices where guanyi-documents.md is silent:
// - `start_date` and `end_date` filter the time `date_type` names (0 createtime, the documented
//   default; 1 dealtime; 2 paytime; 3 modifytime), bounds inclusive, either bound may come alone
//   (the doc does not say they pair, unlike the items' and deliveries' windows); no window limit.
//   An unpaid order (货到付款, `paytime` null) is outside every 付款时间 window.
// - Rows are sorted by the time `date_type` names, then `code` (§ Unknown / our choice); unpaid
//   orders sort after paid ones when date_type is 2.
// - `has_cancel_data` false (the default) hides cancelled orders (`cancle` true); `order_state`
//   1 / 2 keep the orders whose `approve` is false / true.
// - `code`, `platform_code`, `shop_code`, `warehouse_code`, `vip_name`, `receiver_mobile` match
//   exactly. That is the doc's whole request list; any other parameter is refused, not ignored
//   (api.ts DOCUMENTED_PARAMS).
// - The money switch (`moneyAsString`) turns the same fields into strings as for deliveries, plus
//   `payment_amount` and each payment's `payment`: the doc's only order sample is from 2016.
import { formatBeijing } from "./dataset";
import { MAX_LINES } from "./delivery-lines";
import type { DeliveryStore } from "./delivery-store";
import { WAREHOUSES, type LineSpec } from "./delivery-types";
import { compareText, type ItemStore } from "./item-store";
import { fenOf, moneyOf, ORDER_CODE_BASE, orderOfDelivery, orderWithoutDelivery, paymentsOf, pricedOrder, type OrderTimes } from "./order-build";
import type { NewOrder, Order, OrderChanges, OrderDateType, OrderQuery } from "./order-types";
import type { ShopStore } from "./shop-store";

const HEADER_MONEY = ["amount", "payment", "payment_amount", "post_fee", "cod_fee", "discount_fee", "post_cost"] as const;
const DETAIL_MONEY = ["price", "amount", "discount_fee", "amount_after", "post_fee"] as const;
/** Mixed into the seed for orders without a delivery, so their lines are not the deliveries'. */
const ORDER_SEED_SALT = 0x6f72;

interface Entry {
  order: Order;
  times: OrderTimes;
}

const TIME_OF: Record<OrderDateType, (t: OrderTimes) => number | null> = {
  0: (t) => t.created,
  1: (t) => t.dealt,
  2: (t) => t.paid,
  3: (t) => t.modified,
};

export class OrderStore {
  readonly seed: number;
  /** Orders 0 … linked-1 are the orders of deliveries 0 … linked-1. */
  readonly linked: number;
  private readonly entries: Entry[] = [];
  private readonly byCode = new Map<string, number>();
  /** Row indices sorted by each date_type's time, then code; built when first asked for. */
  private readonly sortedBy = new Map<OrderDateType, number[]>();
  /** The matching rows of the last filter: a full read asks the same filter once per page. */
  private lastHits: { key: string; hits: number[] } | undefined;

  /** `count` orders, the first ones those of the generated deliveries; none without shops or items. */
  constructor(count: number, seed: number, shops: ShopStore, items: ItemStore, deliveries: DeliveryStore) {
    this.seed = seed;
    this.linked = shops.generated === 0 || items.generated === 0 ? 0 : Math.min(count, deliveries.size);
    if (shops.generated === 0 || items.generated === 0) return;
    for (let i = 0; i < this.linked; i++) this.insert(orderOfDelivery(seed, i, deliveries.view(i)));
    for (let i = this.linked; i < count; i++) this.insert(orderWithoutDelivery(seed ^ ORDER_SEED_SALT, i, shops, items));
  }

  get size(): number {
    return this.entries.length;
  }

  get(index: number, moneyAsString = false): Order {
    return render((this.entries[index] as Entry).order, moneyAsString);
  }

  indexOfCode(code: string): number {
    return this.byCode.get(code) ?? -1;
  }

  /** Rows matching the filter (`total`) and the requested slice, sorted by the date_type's time, then code. */
  query(filter: OrderQuery, offset: number, limit: number, moneyAsString = false): { total: number; orders: Order[] } {
    const hits = this.matching(filter);
    return { total: hits.length, orders: hits.slice(offset, offset + limit).map((i) => this.get(i, moneyAsString)) };
  }

  private matching(filter: OrderQuery): number[] {
    const key = JSON.stringify(filter);
    if (this.lastHits?.key === key) return this.lastHits.hits;
    const dateType = filter.dateType ?? 0;
    const timeOf = TIME_OF[dateType];
    const windowed = filter.from !== undefined || filter.to !== undefined;
    const from = filter.from ?? Number.NEGATIVE_INFINITY;
    const to = filter.to ?? Number.POSITIVE_INFINITY;
    const hits = this.sorted(dateType).filter((i) => {
      const { order: o, times } = this.entries[i] as Entry;
      const time = timeOf(times);
      return (
        (!windowed || (time !== null && time >= from && time <= to)) &&
        (filter.includeCancelled || !o.cancle) &&
        (!filter.orderState || o.approve === (filter.orderState === 2)) &&
        (filter.code === undefined || o.code === filter.code) &&
        (filter.platformCode === undefined || o.platform_code === filter.platformCode) &&
        (filter.shopCode === undefined || o.shop_code === filter.shopCode) &&
        (filter.warehouseCode === undefined || o.warehouse_code === filter.warehouseCode) &&
        (filter.vipName === undefined || o.vip_name === filter.vipName) &&
        (filter.receiverMobile === undefined || o.receiver_mobile === filter.receiverMobile)
      );
    });
    this.lastHits = { key, hits };
    return hits;
  }

  /** Adds an order created (and paid, unless 货到付款) at `now` (epoch seconds), without a delivery. */
  add(spec: NewOrder, now: number): Order {
    const code = spec.code ?? this.freeCode();
    if (this.byCode.has(code)) throw new Error(`订单 ${code} 已存在`);
    checkLines(spec.lines);
    const cod = spec.cod ?? false;
    const approve = spec.approve ?? false;
    const times: OrderTimes = { created: now, dealt: spec.dealt ?? now, paid: cod ? null : now, modified: now };
    const time = formatBeijing(now);
    const p = pricedOrder(spec.lines, fenOf(spec.post_fee ?? 0), cod);
    const order: Order = {
      code,
      order_type_name: "销售订单",
      platform_code: spec.platform_code ?? `Q${code.replace(/^\D+/, "")}`,
      createtime: time,
      modifytime: time,
      dealtime: formatBeijing(times.dealt),
      paytime: cod ? null : time,
      approve,
      approveDate: approve ? time : null,
      cancle: false,
      cod,
      delivery_state: 0,
      shop_code: spec.shop.code,
      shop_name: spec.shop.name,
      warehouse_code: spec.warehouse_code,
      warehouse_name: WAREHOUSES[spec.warehouse_code],
      express_code: "",
      express_name: "",
      vip_code: spec.vip_name ?? "",
      vip_name: spec.vip_name ?? "",
      ...moneyOf(p),
      post_cost: 0,
      tax_amount: 0,
      receiver_name: "",
      receiver_mobile: spec.receiver_mobile ?? "",
      receiver_phone: null,
      receiver_zip: "",
      receiver_address: "",
      buyer_memo: spec.buyer_memo ?? null,
      seller_memo: spec.seller_memo ?? "",
      seller_memo_late: "",
      business_man: null,
      plan_delivery_date: null,
      details: p.details,
      payments: paymentsOf(Number(p.payment), cod ? null : time, ["预存款", false], ""),
      deliverys: [],
      invoices: [],
    };
    const index = this.entries.length;
    this.insert({ order, times });
    return this.get(index);
  }

  /** Changes an order (and its lines, if given: the money and its payment follow) and sets modifytime to `now`. */
  modify(index: number, changes: OrderChanges, lines: LineSpec[] | undefined, now: number): Order {
    const entry = this.entries[index] as Entry;
    const modified = Math.max(now, entry.times.modified);
    const o = structuredClone(entry.order);
    const { warehouse_code, approve, ...plain } = changes;
    Object.assign(o, plain);
    if (warehouse_code !== undefined) Object.assign(o, { warehouse_code, warehouse_name: WAREHOUSES[warehouse_code] });
    if (approve !== undefined && approve !== o.approve) Object.assign(o, { approve, approveDate: approve ? formatBeijing(modified) : null });
    if (lines) {
      checkLines(lines);
      const p = pricedOrder(lines, fenOf(o.post_fee), o.cod);
      const first = o.payments[0];
      const payType: [string, boolean] = first ? [first.pay_type_name, first.payCode !== ""] : ["预存款", false];
      Object.assign(o, moneyOf(p), { details: p.details, payments: paymentsOf(Number(p.payment), o.paytime, payType, first?.payCode ?? "") });
    }
    o.modifytime = formatBeijing(modified);
    entry.order = o;
    entry.times = { ...entry.times, modified };
    this.changed();
    return this.get(index);
  }

  /** The next unused code (SO + a number that follows the row's index), skipping taken and `reserved` codes. */
  freeCode(reserved: ReadonlySet<string> = new Set()): string {
    for (let i = this.entries.length; ; i++) {
      const code = `SO${ORDER_CODE_BASE + i * 17}`;
      if (!this.byCode.has(code) && !reserved.has(code)) return code;
    }
  }

  private insert(entry: Entry): void {
    this.byCode.set(entry.order.code, this.entries.length);
    this.entries.push(entry);
    this.changed();
  }

  private changed(): void {
    this.sortedBy.clear();
    this.lastHits = undefined;
  }

  private sorted(dateType: OrderDateType): number[] {
    let order = this.sortedBy.get(dateType);
    if (!order) {
      const e = this.entries;
      const timeOf = TIME_OF[dateType];
      const time = (i: number) => timeOf((e[i] as Entry).times) ?? Number.POSITIVE_INFINITY;
      order = e.map((_, i) => i).sort((a, b) => time(a) - time(b) || compareText((e[a] as Entry).order.code, (e[b] as Entry).order.code));
      this.sortedBy.set(dateType, order);
    }
    return order;
  }
}

function checkLines(lines: LineSpec[]): void {
  if (lines.length === 0 || lines.length > MAX_LINES) throw new Error(`订单需要 1 到 ${MAX_LINES} 行明细`);
}

/** A copy of the order, money as strings when asked (the 2025 shape). */
function render(order: Order, moneyAsString: boolean): Order {
  const copy = structuredClone(order);
  if (!moneyAsString) return copy;
  for (const key of HEADER_MONEY) copy[key] = String(copy[key]);
  for (const detail of copy.details) for (const key of DETAIL_MONEY) detail[key] = String(detail[key]);
  for (const payment of copy.payments) payment.payment = String(payment.payment);
  return copy;
}
