import { describe, expect, it } from "vitest";
import { formatBeijing, parseBeijing } from "./dataset";
import { DeliveryStore } from "./delivery-store";
import { WAREHOUSES } from "./delivery-types";
import { ItemStore } from "./item-store";
import { ShopStore } from "./shop-store";

function dataset(seed: number, shops = 30, items = 40, deliveries = 300) {
  const shopStore = new ShopStore(shops, seed);
  const itemStore = new ItemStore(items, seed);
  return { shops: shopStore, items: itemStore, deliveries: new DeliveryStore(deliveries, seed, shopStore, itemStore) };
}

const fen = (v: number | string) => Math.round(Number(v) * 100);

describe("guanyi item store", () => {
  it("generates the same items for the same seed and different ones for another", () => {
    const a = new ItemStore(40, 7).query({}, 0, 100).items;
    expect(new ItemStore(40, 7).query({}, 0, 100).items).toEqual(a);
    expect(new ItemStore(40, 8).query({}, 0, 100).items).not.toEqual(a);
  });

  it("makes most items single-spec (one sku, code = item code) and a few multi-spec", () => {
    const items = new ItemStore(400, 3).query({}, 0, 400).items;
    const single = items.filter((i) => i.skus.length === 1);
    const multi = items.filter((i) => i.skus.length > 1);
    expect(single.length).toBeGreaterThan(300);
    expect(multi.length).toBeGreaterThan(20);
    for (const i of single) expect(i.skus[0]).toMatchObject({ code: i.code, name: i.name, sales_price: i.sales_price });
    for (const i of multi) for (const s of i.skus) expect(s.code.startsWith(`${i.code}-`)).toBe(true);
    const skuCodes = items.flatMap((i) => i.skus.map((s) => s.code));
    expect(new Set(skuCodes).size).toBe(skuCodes.length);
    expect(new Set(items.flatMap((i) => i.skus.map((s) => s.id))).size).toBe(skuCodes.length);
    // Absent values of all three kinds.
    expect(items.some((i) => i.item_unit_code === null)).toBe(true);
    expect(items.some((i) => i.note === "")).toBe(true);
    expect(items.some((i) => !("pic_url" in i))).toBe(true);
  });

  it("orders by (modify_date, code), filters on an inclusive window and a code", () => {
    const store = new ItemStore(60, 5);
    const all = store.query({}, 0, 100).items;
    for (let i = 1; i < all.length; i++) {
      const [p, c] = [all[i - 1]!, all[i]!];
      expect(p.modify_date < c.modify_date || (p.modify_date === c.modify_date && p.code < c.code)).toBe(true);
    }
    const window = store.query({ modifiedFrom: parseBeijing(all[10]!.modify_date), modifiedTo: parseBeijing(all[19]!.modify_date) }, 0, 100);
    expect(window.items).toEqual(all.slice(10, 20));
    expect(store.query({ code: all[3]!.code }, 0, 10)).toEqual({ total: 1, items: [all[3]] });
    expect(store.query({}, 20, 10).items).toEqual(all.slice(20, 30));
  });

  it("adds and modifies, bumping modify_date, and finds skus by code", () => {
    const store = new ItemStore(5, 1);
    const now = Math.floor(Date.now() / 1000);
    const added = store.add({ code: "NEW-1", name: "新品", sales_price: 12.5, skus: [{ code: "NEW-1-A", name: "新品 A" }, { code: "NEW-1-B", name: "新品 B", sales_price: 15 }] }, now);
    expect(added.skus.map((s) => [s.code, s.sales_price])).toEqual([
      ["NEW-1-A", 12.5],
      ["NEW-1-B", 15],
    ]);
    expect(store.findSku("NEW-1-B")).toMatchObject({ item: { code: "NEW-1" }, sku: { code: "NEW-1-B" } });
    const changed = store.modify(store.indexOfCode("SP00002"), { sales_price: 9.9 }, now + 5);
    expect(changed).toMatchObject({ code: "SP00002", sales_price: 9.9, modify_date: formatBeijing(now + 5) });
    expect(store.query({}, 0, 10).items.at(-1)!.code).toBe("SP00002");
  });
});

describe("guanyi delivery store", () => {
  it("is deterministic for a seed", () => {
    const a = dataset(9).deliveries.query({ includeCancelled: true }, 0, 1000).deliverys;
    expect(dataset(9).deliveries.query({ includeCancelled: true }, 0, 1000).deliverys).toEqual(a);
    expect(dataset(10).deliveries.query({ includeCancelled: true }, 0, 1000).deliverys).not.toEqual(a);
  });

  it("names existing shops, items and skus, with consistent amounts", () => {
    const { shops, items, deliveries } = dataset(4);
    const all = deliveries.query({ includeCancelled: true }, 0, 1000).deliverys;
    expect(all).toHaveLength(300);
    expect(new Set(all.map((d) => d.code)).size).toBe(300);
    for (const d of all) {
      const shop = shops.get(shops.indexOfCode(d.shop_code));
      expect(shop).toMatchObject({ code: d.shop_code, name: d.shop_name });
      expect(WAREHOUSES[d.warehouse_code as keyof typeof WAREHOUSES]).toBe(d.warehouse_name);
      expect(d.details.length).toBeGreaterThanOrEqual(1);
      expect(d.details.length).toBeLessThanOrEqual(5);
      for (const line of d.details) {
        const found = items.findSku(line.sku_code);
        expect(found?.item.code).toBe(line.item_code);
        expect(String(found?.sku.id)).toBe(line.item_sku_id);
        expect(fen(line.amount)).toBe(line.qty * fen(line.price));
        expect(fen(line.amount_after)).toBe(fen(line.amount) - fen(line.discount_fee));
      }
      expect(fen(d.amount)).toBe(d.details.reduce((s, l) => s + fen(l.amount), 0));
      expect(fen(d.discount_fee)).toBe(d.details.reduce((s, l) => s + fen(l.discount_fee), 0));
      expect(d.qty).toBe(d.details.reduce((s, l) => s + l.qty, 0));
      expect(fen(d.payment) + fen(d.unpaid_amount)).toBe(fen(d.amount) - fen(d.discount_fee) + fen(d.post_fee));
      if (d.delivery_statusInfo.delivery === 2) expect(d.delivery_statusInfo.delivery_date).toBe(d.modify_date);
      else expect(d.delivery_statusInfo.delivery_date).toBeNull();
    }
    const lines = all.flatMap((d) => d.details);
    expect(lines.filter((l) => l.qty === 0).length).toBeGreaterThan(5);
    expect(lines.filter((l) => l.qty >= 1).length).toBeGreaterThan(lines.length * 0.8);
    expect(lines.some((l) => l.is_gift === 1 && l.qty >= 1 && l.price === 0)).toBe(true);
    expect(new Set(all.map((d) => d.warehouse_code))).toEqual(new Set(["WH01", "WH02", "WH03"]));
    expect(all.some((d) => d.details.length > 1)).toBe(true);
    expect(all.some((d) => d.pay_time === null) && all.some((d) => d.seller_memo === "") && all.some((d) => !("vip_real_name" in d))).toBe(true);
  });

  it("hides 作废 deliveries unless asked, filters by shop and warehouse, orders by (modify_date, code)", () => {
    const { deliveries } = dataset(4);
    const all = deliveries.query({ includeCancelled: true }, 0, 1000).deliverys;
    const live = deliveries.query({}, 0, 1000);
    expect(live.total).toBe(all.filter((d) => d.cancel === 0).length);
    expect(live.total).toBeLessThan(all.length);
    for (let i = 1; i < all.length; i++) {
      const [p, c] = [all[i - 1]!, all[i]!];
      expect(p.modify_date < c.modify_date || (p.modify_date === c.modify_date && p.code < c.code)).toBe(true);
    }
    const shopCode = all[0]!.shop_code;
    const byShop = deliveries.query({ shopCode, warehouseCode: "WH02", includeCancelled: true }, 0, 1000).deliverys;
    expect(byShop).toEqual(all.filter((d) => d.shop_code === shopCode && d.warehouse_code === "WH02"));
  });

  it("keeps the 发货时间 filter in step with changes: shipping enters the delivery window, un-shipping leaves it", () => {
    const { deliveries } = dataset(6, 10, 10, 40);
    const now = parseBeijing("2026-03-01 12:00:00")!;
    const window = { deliveredFrom: now, deliveredTo: now + 60 };
    expect(deliveries.query(window, 0, 100).total).toBe(0);
    const index = deliveries.query({ shipped: false }, 0, 1).deliverys.map((d) => deliveries.indexOfCode(d.code))[0]!;
    deliveries.modify(index, { delivery: 2 }, undefined, now);
    expect(deliveries.query(window, 0, 100).deliverys.map((d) => [d.code, d.delivery_statusInfo.delivery_date])).toEqual([[deliveries.get(index).code, "2026-03-01 12:00:00"]]);
    expect(deliveries.query({ ...window, shipped: true }, 0, 100).total).toBe(1);
    deliveries.modify(index, { delivery: -1 }, undefined, now + 30);
    expect(deliveries.query(window, 0, 100).total).toBe(0);
    expect(deliveries.query({ createdFrom: now }, 0, 100).total).toBe(0);
    expect(deliveries.query({ modifiedFrom: now }, 0, 100).total).toBe(1);
  });

  it("renders money as strings when asked, the same values", () => {
    const { deliveries } = dataset(2, 5, 5, 20);
    const numbers = deliveries.query({}, 0, 20).deliverys;
    const strings = deliveries.query({}, 0, 20, true).deliverys;
    expect(typeof strings[0]!.amount).toBe("string");
    expect(typeof strings[0]!.details[0]!.price).toBe("string");
    expect(typeof strings[0]!.details[0]!.origin_price).toBe("number");
    expect(strings.map((d) => Number(d.amount))).toEqual(numbers.map((d) => d.amount));
  });

  it("makes no deliveries without shops or items", () => {
    expect(dataset(1, 0, 10, 50).deliveries.size).toBe(0);
    expect(dataset(1, 10, 0, 50).deliveries.size).toBe(0);
  });
});
