// gy.erp.items.get and gy.erp.trade.deliverys.get over HTTP, and their admin endpoints.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGuanyiSimulator, GUANYI_DEMO_TENANT, GUANYI_ERROR_CODES, type Delivery, type Item } from "./index";
import { formatBeijing } from "./dataset";
import { md5Sign } from "./signature";

const DATASET = { shops: 12, items: 30, deliveries: 80, seed: 21, moneyAsString: false };
const sim = createGuanyiSimulator(DATASET);
let url = "";
let admin = "";

beforeAll(async () => {
  url = await sim.listen(0, "127.0.0.1");
  admin = url.replace("/rest/erp_open", "/__admin");
});
afterAll(() => sim.close());
beforeEach(() => sim.reset(DATASET));

async function call(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const fields = { appkey: GUANYI_DEMO_TENANT.appkey, sessionkey: GUANYI_DEMO_TENANT.sessionkey, method, ...params };
  const body = JSON.stringify({ ...fields, sign: md5Sign(GUANYI_DEMO_TENANT.secret, JSON.stringify(fields)) });
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  return (await res.json()) as Record<string, unknown>;
}

const items = (params: Record<string, unknown> = {}) => call("gy.erp.items.get", params) as Promise<{ success: boolean; total: number; items: Item[] }>;
const deliveries = (params: Record<string, unknown> = {}) =>
  call("gy.erp.trade.deliverys.get", params) as Promise<{ success: boolean; total: number; deliverys: Delivery[]; errorCode: string; errorDesc: string }>;

async function adminCall(path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${admin}${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe("guanyi simulator — gy.erp.items.get", () => {
  it("pages with total, in the documented envelope", async () => {
    const first = await items({ page_size: 20 });
    expect(Object.keys(first)).toEqual(["success", "errorCode", "subErrorCode", "errorDesc", "subErrorDesc", "requestMethod", "items", "total"]);
    const second = await items({ page_size: 20, page_no: 2 });
    expect([first.total, first.items.length, second.items.length]).toEqual([30, 20, 10]);
    const codes = [...first.items, ...second.items].map((i) => i.code);
    expect(new Set(codes).size).toBe(30);
    expect((await items()).items).toHaveLength(10);
  });

  it("filters by an inclusive start_date/end_date pair on modify_date and by code", async () => {
    const all = (await items({ page_size: 100 })).items;
    const window = await items({ start_date: all[5]!.modify_date, end_date: all[14]!.modify_date, page_size: 100 });
    expect(window.items).toEqual(all.slice(5, 15));
    expect(await items({ code: all[7]!.code })).toMatchObject({ total: 1, items: [all[7]] });
  });

  it("refuses an unpaired bound with success:false", async () => {
    for (const params of [{ start_date: "2024-01-01 00:00:00" }, { end_date: "2024-01-01 00:00:00" }]) {
      const answer = await call("gy.erp.items.get", params);
      expect(answer).toMatchObject({ success: false, errorCode: GUANYI_ERROR_CODES.badParameter });
      expect(answer.errorDesc).toContain("必须搭配使用");
      expect(answer).not.toHaveProperty("items");
    }
  });

  it("adds and modifies items over HTTP; a modified item enters the current window", async () => {
    const added = await adminCall("/items", { items: [{ code: "GIFT-01", name: "赠品帆布袋", sales_price: 0 }, { code: "TEE", name: "T恤", skus: [{ code: "TEE-S", name: "T恤 S" }, { code: "TEE-M", name: "T恤 M", sales_price: 59 }] }] });
    expect(added.status).toBe(201);
    expect((added.json.items as Item[]).map((i) => i.skus.map((s) => s.code))).toEqual([["GIFT-01"], ["TEE-S", "TEE-M"]]);
    expect((await adminCall("/items", { items: [{ code: "X", name: "x", skus: [{ code: "TEE-S", name: "dup" }] }] })).status).toBe(409);
    expect((await items({ code: "X" })).total).toBe(0);

    const start = formatBeijing(Math.floor(Date.now() / 1000) - 1);
    const target = (await items({ page_size: 1 })).items[0]!;
    const modified = await adminCall("/items/modify", { items: [{ code: target.code, set: { name: "改名商品", del: true } }] });
    expect(modified.json.items).toEqual([expect.objectContaining({ code: target.code, name: "改名商品", del: true })]);
    expect((await adminCall("/items/modify", { items: [{ code: "missing" }] })).status).toBe(404);
    const window = await items({ start_date: start, end_date: formatBeijing(Math.floor(Date.now() / 1000) + 60), page_size: 100 });
    expect(window.items.map((i) => i.code).sort()).toEqual(["GIFT-01", "TEE", target.code].sort());
    expect((await adminCall(`/items?code=${target.code}`)).json.item).toMatchObject({ name: "改名商品" });
  });
});

describe("guanyi simulator — gy.erp.trade.deliverys.get", () => {
  it("pages through every live delivery with total, details nested", async () => {
    const first = await deliveries({ page_size: 50 });
    const second = await deliveries({ page_size: 50, page_no: 2 });
    const all = [...first.deliverys, ...second.deliverys];
    expect(all).toHaveLength(first.total);
    expect(first.total).toBe(sim.state.deliveries.query({}, 0, 1000).total);
    expect(new Set(all.map((d) => d.code)).size).toBe(all.length);
    expect(all.every((d) => d.cancel === 0 && d.details.length > 0 && typeof d.delivery_statusInfo.delivery === "number")).toBe(true);
    expect((await deliveries({ del: 1, page_size: 100 })).total).toBe(80);
  });

  it("filters by modify window, code, shop_code and warehouse_code", async () => {
    const all = (await deliveries({ page_size: 100, del: 1 })).deliverys;
    const window = await deliveries({ start_modify_date: all[10]!.modify_date, end_modify_date: all[29]!.modify_date, page_size: 100, del: "1" });
    expect(window.deliverys).toEqual(all.slice(10, 30));
    expect(await deliveries({ code: all[3]!.code, del: 1 })).toMatchObject({ total: 1, deliverys: [all[3]] });
    const { shop_code, warehouse_code } = all[0]!;
    const filtered = await deliveries({ shop_code, warehouse_code, del: 1, page_size: 100 });
    expect(filtered.deliverys).toEqual(all.filter((d) => d.shop_code === shop_code && d.warehouse_code === warehouse_code));
  });

  it("refuses an unpaired bound and a bad del", async () => {
    const lone = await deliveries({ end_modify_date: "2025-01-01 00:00:00" });
    expect(lone).toMatchObject({ success: false, errorCode: GUANYI_ERROR_CODES.badParameter });
    expect(lone.errorDesc).toContain("start_modify_date");
    expect(await deliveries({ del: 2 })).toMatchObject({ success: false, errorCode: GUANYI_ERROR_CODES.badParameter });
  });

  it("sends money as strings when switched, the 2025 shape", async () => {
    const numbers = (await deliveries({ page_size: 5 })).deliverys;
    sim.reset({ moneyAsString: true });
    const strings = (await deliveries({ page_size: 5 })).deliverys;
    expect(strings.map((d) => d.code)).toEqual(numbers.map((d) => d.code));
    expect(strings[0]).toMatchObject({ amount: String(numbers[0]!.amount), post_fee: String(numbers[0]!.post_fee) });
    expect(strings[0]!.details[0]).toMatchObject({ price: String(numbers[0]!.details[0]!.price), qty: numbers[0]!.details[0]!.qty });
    sim.reset({ moneyAsString: false });
  });

  it("adds and modifies deliveries over HTTP, checking shop and sku codes", async () => {
    const shop = sim.state.shops.get(0);
    const sku = sim.state.items.get(0).skus[0]!;
    const added = await adminCall("/deliveries", {
      deliveries: [{ shop_code: shop.code, warehouse_code: "WH02", details: [{ sku_code: sku.code, qty: 2, price: 10.5 }, { sku_code: sku.code, qty: 0, refund: true }] }],
    });
    expect(added.status).toBe(201);
    const [delivery] = added.json.deliveries as Delivery[];
    expect(delivery).toMatchObject({ shop_code: shop.code, shop_name: shop.name, warehouse_name: "华东仓", qty: 2, amount: 21, cancel: 0 });
    expect(delivery!.details.map((d) => [d.sku_code, d.qty, d.amount, d.refund])).toEqual([
      [sku.code, 2, 21, 0],
      [sku.code, 0, 0, 1],
    ]);
    expect((await adminCall("/deliveries", { deliveries: [{ shop_code: "NOPE", details: [{ sku_code: sku.code, qty: 1 }] }] })).status).toBe(404);
    expect((await adminCall("/deliveries", { deliveries: [{ shop_code: shop.code, details: [{ sku_code: "NOPE", qty: 1 }] }] })).status).toBe(404);
    expect((await adminCall("/deliveries", { deliveries: [{ shop_code: shop.code, warehouse_code: "WH09", details: [{ sku_code: sku.code, qty: 1 }] }] })).status).toBe(400);
    expect((await adminCall("/deliveries", { deliveries: [{ code: delivery!.code, shop_code: shop.code, details: [{ sku_code: sku.code, qty: 1 }] }] })).status).toBe(409);
    expect(sim.state.deliveries.size).toBe(81);

    const start = formatBeijing(Math.floor(Date.now() / 1000) - 1);
    const old = (await deliveries({ page_size: 1 })).deliverys[0]!;
    const modified = await adminCall("/deliveries/modify", {
      deliveries: [{ code: old.code, set: { delivery: 2, seller_memo: "补发" }, details: [{ sku_code: sku.code, qty: 3, price: 1 }] }],
    });
    expect(modified.json.deliveries).toEqual([
      expect.objectContaining({ code: old.code, seller_memo: "补发", qty: 3, amount: 3, delivery_statusInfo: expect.objectContaining({ delivery: 2 }) }),
    ]);
    await adminCall("/deliveries/modify", { deliveries: [{ code: delivery!.code, set: { cancel: 1 } }] });
    const end = formatBeijing(Math.floor(Date.now() / 1000) + 60);
    expect((await deliveries({ start_modify_date: start, end_modify_date: end })).deliverys.map((d) => d.code)).toEqual([old.code]);
    expect((await deliveries({ start_modify_date: start, end_modify_date: end, del: 1 })).total).toBe(2);
    expect((await adminCall(`/deliveries?code=${delivery!.code}`)).json.delivery).toMatchObject({ cancel: 1 });
    expect((await adminCall("/deliveries/modify", { deliveries: [{ code: "SDO0" }] })).status).toBe(404);
    // An automatic code never takes the one a later delivery of the same batch asks for.
    const next = sim.state.deliveries.freeCode();
    const line = { sku_code: sku.code, qty: 1 };
    const pair = await adminCall("/deliveries", { deliveries: [{ shop_code: shop.code, details: [line] }, { code: next, shop_code: shop.code, details: [line] }] });
    expect(pair.status).toBe(201);
    expect((pair.json.deliveries as Delivery[]).map((d) => d.code)).toEqual([expect.not.stringMatching(next), next]);
    expect((await adminCall("/stats")).json).toMatchObject({ shops: 12, items: 30, deliveries: 83 });
  });
});
