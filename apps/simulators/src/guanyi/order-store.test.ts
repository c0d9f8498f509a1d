import { describe, expect, it } from "vitest";
import { formatBeijing, parseBeijing } from "./dataset";
import { DeliveryStore } from "./delivery-store";
import { WAREHOUSES } from "./delivery-types";
import { ItemStore } from "./item-store";
import { OrderStore } from "./order-store";
import type { Order, OrderDateType } from "./order-types";
import { ShopStore } from "./shop-store";

function dataset(seed: number, orders = 300, deliveries = 250, shops = 30, items = 40) {
  const shopStore = new ShopStore(shops, seed);
  const itemStore = new ItemStore(items, seed);
  const deliveryStore = new DeliveryStore(deliveries, seed, shopStore, itemStore);
  return { shops: shopStore, items: itemStore, deliveries: deliveryStore, orders: new OrderStore(orders, seed, shopStore, itemStore, deliveryStore) };
}

const fen = (v: number | string) => Math.round(Number(v) * 100);
const everything = { includeCancelled: true };
const FIELD = { 0: "createtime", 1: "dealtime", 2: "paytime", 3: "modifytime" } as const;

function expectSorted(orders: Order[], dateType: OrderDateType): void {
  const field = FIELD[dateType];
  for (let i = 1; i < orders.length; i++) {
    const [p, c] = [orders[i - 1]!, orders[i]!];
    const [a, b] = [p[field] ?? "9999", c[field] ?? "9999"];
    expect(a < b || (a === b && p.code < c.code)).toBe(true);
  }
}

describe("guanyi order store", () => {
  it("is deterministic for a seed", () => {
    const a = dataset(9).orders.query(everything, 0, 1000).orders;
    expect(dataset(9).orders.query(everything, 0, 1000).orders).toEqual(a);
    expect(dataset(10).orders.query(everything, 0, 1000).orders).not.toEqual(a);
  });

  it("makes the first orders those of the deliveries: the delivery details' trade_code is the order's code", () => {
    const { deliveries, orders } = dataset(4);
    expect([orders.size, orders.linked]).toEqual([300, 250]);
    for (let i = 0; i < deliveries.size; i++) {
      const d = deliveries.get(i);
      const index = orders.indexOfCode(d.details[0]!.trade_code);
      expect(index).toBe(i);
      const o = orders.get(index);
      expect(new Set(d.details.map((l) => l.trade_code))).toEqual(new Set([o.code]));
      expect(o).toMatchObject({
        platform_code: d.platform_code,
        shop_code: d.shop_code,
        warehouse_code: d.warehouse_code,
        vip_name: d.vip_name,
        receiver_mobile: d.receiver_mobile,
        paytime: d.pay_time,
        approve: true,
        approveDate: d.create_date,
        modifytime: d.modify_date,
        cancle: d.cancel === 1,
        delivery_state: d.delivery_statusInfo.delivery === 2 ? 2 : 0,
        payment: d.payment,
        qty: d.qty,
        deliverys: [{ delivery: d.delivery_statusInfo.delivery === 2, code: d.code, warehouse_code: d.warehouse_code, express_code: d.express_code, mail_no: d.express_no }],
      });
      expect(o.details.map((l) => [l.sku_code, l.qty, l.price, l.amount, l.discount_fee])).toEqual(d.details.map((l) => [l.sku_code, l.qty, l.price, l.amount, l.discount_fee]));
      expect(o.dealtime <= (o.paytime ?? o.createtime) && (o.paytime ?? "") <= o.createtime && o.createtime < d.create_date).toBe(true);
    }
    // The rest wait for their delivery: no deliverys, codes of their own.
    const rest = Array.from({ length: 50 }, (_, k) => orders.get(250 + k));
    expect(rest.every((o) => o.deliverys.length === 0 && o.delivery_state === 0 && deliveries.indexOfCode(o.code) < 0)).toBe(true);
    expect(rest.some((o) => !o.approve) && rest.some((o) => o.approve) && rest.some((o) => o.cancle)).toBe(true);
  });

  it("names existing shops and skus, with money that adds up as in the doc's sample", () => {
    const { shops, items, orders } = dataset(5);
    const all = orders.query(everything, 0, 1000).orders;
    expect(new Set(all.map((o) => o.code)).size).toBe(300);
    for (const o of all) {
      expect(shops.get(shops.indexOfCode(o.shop_code))).toMatchObject({ code: o.shop_code, name: o.shop_name });
      expect(WAREHOUSES[o.warehouse_code as keyof typeof WAREHOUSES]).toBe(o.warehouse_name);
      for (const line of o.details) {
        expect(items.findSku(line.sku_code)?.item.code).toBe(line.item_code);
        expect(fen(line.amount)).toBe(line.qty * fen(line.price));
        expect(fen(line.amount_after)).toBe(fen(line.amount) - fen(line.discount_fee));
      }
      const details = o.details.reduce((s, l) => s + fen(l.amount), 0);
      expect(fen(o.amount)).toBe(details + fen(o.post_fee));
      expect(fen(o.discount_fee)).toBe(o.details.reduce((s, l) => s + fen(l.discount_fee), 0));
      expect(fen(o.payment)).toBe(o.cod ? 0 : fen(o.amount) - fen(o.discount_fee));
      expect(o.payment_amount).toBe(o.amount);
      expect(o.qty).toBe(o.details.reduce((s, l) => s + l.qty, 0));
      expect(o.payments.reduce((s, p) => s + fen(p.payment), 0)).toBe(fen(o.payment));
      if (o.cod) expect([o.paytime, o.payments]).toEqual([null, []]);
      if (!o.approve) expect(o.approveDate).toBeNull();
    }
    // The doc's spellings, and absent values of all three kinds.
    expect(Object.keys(all[0]!)).toEqual(expect.arrayContaining(["createtime", "paytime", "cancle", "approveDate"]));
    expect(Object.keys(all[0]!.payments[0] ?? { payCode: "" })).toContain("payCode");
    expect(all.some((o) => o.paytime === null) && all.some((o) => o.seller_memo === "") && all.some((o) => !("vipRealName" in o))).toBe(true);
    expect(all.some((o) => o.payments.some((p) => p.payCode === "")) && all.some((o) => o.payments.some((p) => /^\d{20}$/.test(p.payCode)))).toBe(true);
  });

  it("filters the time date_type names (inclusive, either bound alone) and sorts by it, then code", () => {
    const { orders } = dataset(6);
    for (const dateType of [0, 1, 2, 3] as const) {
      const all = orders.query({ dateType, includeCancelled: true }, 0, 1000).orders;
      expect(all).toHaveLength(300);
      expectSorted(all, dateType);
      const field = FIELD[dateType];
      const [from, to] = [parseBeijing(all[20]![field]!)!, parseBeijing(all[59]![field]!)!];
      const window = orders.query({ dateType, from, to, includeCancelled: true }, 0, 1000).orders;
      expect(window).toEqual(all.filter((o) => o[field] !== null && o[field]! >= all[20]![field]! && o[field]! <= all[59]![field]!));
      expect(orders.query({ dateType, from, includeCancelled: true }, 0, 1000).orders.every((o) => o[field] !== null && o[field]! >= formatBeijing(from))).toBe(true);
      expect(orders.query({ dateType, to, includeCancelled: true }, 0, 1000).total).toBe(all.filter((o) => o[field] !== null && o[field]! <= formatBeijing(to)).length);
    }
    // Unpaid orders: last when sorted by paytime, outside every 付款时间 window.
    const byPay = orders.query({ dateType: 2, includeCancelled: true }, 0, 1000).orders;
    expect(byPay.at(-1)!.paytime).toBeNull();
    expect(orders.query({ dateType: 2, from: 0, includeCancelled: true }, 0, 1000).orders.some((o) => o.paytime === null)).toBe(false);
  });

  it("hides cancelled orders unless asked, and filters by state and the documented codes", () => {
    const { orders } = dataset(7);
    const all = orders.query(everything, 0, 1000).orders;
    expect(orders.query({}, 0, 1000).total).toBe(all.filter((o) => !o.cancle).length);
    expect(orders.query({}, 0, 1000).total).toBeLessThan(300);
    expect(orders.query({ orderState: 1, includeCancelled: true }, 0, 1000).orders).toEqual(all.filter((o) => !o.approve));
    expect(orders.query({ orderState: 2, includeCancelled: true }, 0, 1000).orders).toEqual(all.filter((o) => o.approve));
    const o = all[17]!;
    for (const filter of [{ code: o.code }, { platformCode: o.platform_code }, { receiverMobile: o.receiver_mobile }]) {
      expect(orders.query({ ...filter, includeCancelled: true }, 0, 10)).toEqual({ total: 1, orders: [o] });
    }
    const byShop = orders.query({ shopCode: o.shop_code, warehouseCode: o.warehouse_code, vipName: o.vip_name, includeCancelled: true }, 0, 1000).orders;
    expect(byShop).toEqual(all.filter((x) => x.shop_code === o.shop_code && x.warehouse_code === o.warehouse_code && x.vip_name === o.vip_name));
    expect(orders.query({ includeCancelled: true }, 40, 10).orders).toEqual(all.slice(40, 50));
  });

  it("adds and modifies orders, bumping modifytime; lines re-price the order and its payment", () => {
    const { shops, items, orders } = dataset(8, 20, 10);
    const now = Math.floor(Date.now() / 1000);
    const item = items.get(0);
    const line = { item, sku: item.skus[0]!, qty: 2, priceFen: 1050 };
    const added = orders.add({ shop: shops.get(0), warehouse_code: "WH02", lines: [line], post_fee: 6, dealt: now - 3600 }, now);
    expect(added).toMatchObject({ approve: false, approveDate: null, cancle: false, amount: 27, payment: 27, warehouse_name: "华东仓", deliverys: [], dealtime: formatBeijing(now - 3600) });
    expect(added.payments).toEqual([{ payment: 27, payCode: "", pay_type_name: "预存款", paytime: formatBeijing(now) }]);
    expect(() => orders.add({ code: added.code, shop: shops.get(0), warehouse_code: "WH01", lines: [line] }, now)).toThrow(/已存在/);
    const changed = orders.modify(orders.indexOfCode(added.code), { approve: true, seller_memo: "改过" }, [{ ...line, qty: 1, discountFen: 50 }], now + 5);
    expect(changed).toMatchObject({ approve: true, approveDate: formatBeijing(now + 5), modifytime: formatBeijing(now + 5), amount: 16.5, payment: 16, seller_memo: "改过" });
    expect(changed.payments).toEqual([expect.objectContaining({ payment: 16 })]);
    const last = orders.query({ dateType: 3, includeCancelled: true }, 0, 100).orders.at(-1)!;
    expect(last.code).toBe(added.code);
    expect(orders.query({ dateType: 3, from: now + 5 }, 0, 10).orders.map((o) => o.code)).toEqual([added.code]);
  });

  it("renders money as strings when asked, the same values", () => {
    const { orders } = dataset(2, 20, 10);
    const numbers = orders.query({}, 0, 20).orders;
    const strings = orders.query({}, 0, 20, true).orders;
    expect(typeof strings[0]!.amount).toBe("string");
    expect(typeof strings[0]!.payment_amount).toBe("string");
    expect(typeof strings[0]!.details[0]!.price).toBe("string");
    expect(strings.map((o) => Number(o.amount))).toEqual(numbers.map((o) => o.amount));
  });

  it("makes no orders without shops or items, and orders beyond the deliveries without one", () => {
    expect(dataset(1, 50, 50, 0).orders.size).toBe(0);
    expect(dataset(1, 50, 50, 10, 0).orders.size).toBe(0);
    const { orders } = dataset(1, 30, 0);
    expect([orders.size, orders.linked]).toEqual([30, 0]);
    expect(dataset(1, 5, 20).orders.linked).toBe(5);
  });
});
