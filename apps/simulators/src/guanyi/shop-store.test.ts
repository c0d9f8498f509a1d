import { describe, expect, it } from "vitest";
import { formatBeijing, parseBeijing } from "./dataset";
import { SHOP_TYPES, ShopStore } from "./shop-store";

const DATE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

describe("guanyi shop store", () => {
  it("generates the same shops for the same seed and different ones for another", () => {
    const a = new ShopStore(50, 7).query({}, 0, 50).shops;
    expect(new ShopStore(50, 7).query({}, 0, 50).shops).toEqual(a);
    expect(new ShopStore(50, 8).query({}, 0, 50).shops).not.toEqual(a);
  });

  it("generates realistic, unique shops with past Beijing dates", () => {
    const store = new ShopStore(2000, 1);
    const { total, shops } = store.query({}, 0, 2000);
    expect(total).toBe(2000);
    expect(new Set(shops.map((s) => s.code)).size).toBe(2000);
    expect(new Set(shops.map((s) => s.id)).size).toBe(2000);
    const now = formatBeijing(Date.now() / 1000);
    for (const s of shops) {
      expect(SHOP_TYPES).toContain(s.type_name);
      expect(s.name).toMatch(/^[\u4e00-\u9fa5A-Za-z0-9]+$/);
      expect(s.create_date).toMatch(DATE);
      expect(s.modify_date >= s.create_date && s.modify_date < now).toBe(true);
    }
    expect(shops.filter((s) => s.note === "").length).toBeGreaterThan(1200);
    expect(new Set(shops.map((s) => s.type_name)).size).toBe(SHOP_TYPES.length);
  });

  it("orders by (modify_date, id) and pages by slicing that order", () => {
    const store = new ShopStore(300, 3);
    const all = store.query({}, 0, 300).shops;
    for (let i = 1; i < all.length; i++) {
      const [p, c] = [all[i - 1]!, all[i]!];
      expect(p.modify_date < c.modify_date || (p.modify_date === c.modify_date && p.id < c.id)).toBe(true);
    }
    expect(store.query({}, 100, 50).shops).toEqual(all.slice(100, 150));
  });

  it("filters on an inclusive modify window and on the exact code", () => {
    const store = new ShopStore(300, 3);
    const all = store.query({}, 0, 300).shops;
    const from = all[10]!.modify_date;
    const to = all[19]!.modify_date;
    const window = store.query({ modifiedFrom: parseBeijing(from), modifiedTo: parseBeijing(to) }, 0, 100);
    expect(window.shops).toEqual(all.filter((s) => s.modify_date >= from && s.modify_date <= to));
    expect(window.total).toBe(window.shops.length);
    expect(store.query({ code: all[5]!.code }, 0, 10).shops).toEqual([all[5]]);
    expect(store.query({ code: "NOPE" }, 0, 10)).toEqual({ total: 0, shops: [] });
  });

  it("adds and modifies shops, keeping codes unique and bumping modify_date", () => {
    const store = new ShopStore(10, 3);
    const now = Math.floor(Date.now() / 1000);
    const added = store.add({ code: "gsh_test", name: "测试店铺", nick: "测试店铺", note: "", type_name: "其他" }, now);
    expect(added.modify_date).toBe(formatBeijing(now));
    expect(() => store.add({ ...added, code: "gsh_test" }, now)).toThrow(/已存在/);

    const first = store.query({}, 0, 1).shops[0]!;
    const changed = store.modify(store.indexOfCode(first.code), { code: "renamed", name: "新名字" }, now + 1);
    expect(changed).toMatchObject({ id: first.id, code: "renamed", name: "新名字", modify_date: formatBeijing(now + 1) });
    expect(store.indexOfCode(first.code)).toBe(-1);
    expect(store.indexOfId(first.id)).toBe(store.indexOfCode("renamed"));
    const last = store.query({}, 0, 20).shops.at(-1);
    expect(last?.code).toBe("renamed");
  });

  it("parses only real Beijing datetimes", () => {
    expect(formatBeijing(parseBeijing("2024-02-29 23:59:59")!)).toBe("2024-02-29 23:59:59");
    expect(parseBeijing("2023-02-29 00:00:00")).toBeUndefined();
    expect(parseBeijing("2024-01-01")).toBeUndefined();
    expect(parseBeijing("2024-01-01 00:00:00")).toBe(Date.UTC(2023, 11, 31, 16) / 1000);
  });

  it("holds 100,000 shops cheaply", () => {
    const started = performance.now();
    const store = new ShopStore(100_000, 42);
    const page = store.query({}, 99_900, 100);
    expect(page.total).toBe(100_000);
    expect(page.shops).toHaveLength(100);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
