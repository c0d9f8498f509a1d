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

  // `delivery` and the 发货时间段 were accepted and ignored: a scheme reading 发货成功 deliveries only
  // got the unshipped and failed ones too (guanyi-documents.md § gy.erp.trade.deliverys.get).
  it("`delivery` = 1 returns only 发货成功 deliveries, `delivery` = 0 only the others", async () => {
    const all = await deliveries({ page_size: 100 });
    expect(all.deliverys).toHaveLength(all.total);
    const shipped = all.deliverys.filter((d) => d.delivery_statusInfo.delivery === 2);
    // The dataset has both kinds (otherwise the test says nothing).
    expect(shipped.length).toBeGreaterThan(0);
    expect(shipped.length).toBeLessThan(all.deliverys.length);

    const onlyShipped = await deliveries({ delivery: 1, page_size: 100 });
    expect(onlyShipped.success).toBe(true);
    expect(onlyShipped.deliverys).toEqual(shipped);
    expect(onlyShipped.total).toBe(shipped.length);

    const notShipped = await deliveries({ delivery: "0", page_size: 100 });
    expect(notShipped.deliverys).toEqual(all.deliverys.filter((d) => d.delivery_statusInfo.delivery !== 2));
    expect(notShipped.total).toBe(all.total - shipped.length);
  });

  it("start_delivery_date / end_delivery_date (发货时间段) select by delivery_statusInfo.delivery_date, inclusive, sorted by it", async () => {
    const all = await deliveries({ page_size: 100 });
    const dated = all.deliverys
      .filter((d) => d.delivery_statusInfo.delivery_date)
      .sort((a, b) => a.delivery_statusInfo.delivery_date!.localeCompare(b.delivery_statusInfo.delivery_date!) || a.code.localeCompare(b.code));
    expect(dated.length).toBeGreaterThan(20);
    const day = dated[0]!.delivery_statusInfo.delivery_date!;
    const one = await deliveries({ start_delivery_date: day, end_delivery_date: day });
    expect(one.success).toBe(true);
    expect(one.deliverys.length).toBeGreaterThan(0);
    expect(one.deliverys.every((d) => d.delivery_statusInfo.delivery_date === day)).toBe(true);
    expect(one.total).toBeLessThan(all.total);

    const [from, to] = [dated[5]!.delivery_statusInfo.delivery_date!, dated[14]!.delivery_statusInfo.delivery_date!];
    const window = await deliveries({ start_delivery_date: from, end_delivery_date: to, page_size: 100 });
    expect(window.deliverys).toEqual(dated.filter((d) => d.delivery_statusInfo.delivery_date! >= from && d.delivery_statusInfo.delivery_date! <= to));
    // Either bound alone (the doc pairs only the modify window); unshipped deliveries are in no window.
    const since = await deliveries({ start_delivery_date: from, page_size: 100 });
    expect(since.deliverys).toEqual(dated.filter((d) => d.delivery_statusInfo.delivery_date! >= from));
  });

  it("start_create / end_create (创建时间段) select by create_date, inclusive, either bound alone, sorted by it", async () => {
    const all = (await deliveries({ page_size: 100 })).deliverys;
    const byCreate = [...all].sort((a, b) => a.create_date.localeCompare(b.create_date) || a.code.localeCompare(b.code));
    const [from, to] = [byCreate[10]!.create_date, byCreate[29]!.create_date];
    const window = await deliveries({ start_create: from, end_create: to, page_size: 100 });
    expect(window.deliverys).toEqual(byCreate.filter((d) => d.create_date >= from && d.create_date <= to));
    expect(window.total).toBeGreaterThanOrEqual(20);
    expect((await deliveries({ end_create: to, page_size: 100 })).deliverys).toEqual(byCreate.filter((d) => d.create_date <= to));
    // With the modify window too, both apply and the rows keep the modify order.
    const both = await deliveries({ start_create: from, end_create: to, start_modify_date: all[0]!.modify_date, end_modify_date: all[40]!.modify_date, page_size: 100 });
    expect(both.deliverys).toEqual(all.slice(0, 41).filter((d) => d.create_date >= from && d.create_date <= to));
  });

  it("filters by outer_code (platform_code), mail_no (express_no) and vip_name, exactly", async () => {
    const all = (await deliveries({ page_size: 100, del: 1 })).deliverys;
    const sample = all.find((d) => d.express_no)!;
    expect(await deliveries({ outer_code: sample.platform_code, del: 1 })).toMatchObject({ total: 1, deliverys: [sample] });
    expect(await deliveries({ mail_no: sample.express_no, del: 1 })).toMatchObject({ total: 1, deliverys: [sample] });
    expect((await deliveries({ vip_name: sample.vip_name, del: 1, page_size: 100 })).deliverys).toEqual(all.filter((d) => d.vip_name === sample.vip_name));
    expect((await deliveries({ outer_code: sample.platform_code.slice(0, -1), del: 1 })).total).toBe(0);
    expect((await deliveries({ mail_no: "NO-SUCH-WAYBILL", del: 1 })).total).toBe(0);
  });

  it("filters by print, scan, cod, wms and sync_status", async () => {
    const all = (await deliveries({ page_size: 100 })).deliverys;
    const cases: [Record<string, unknown>, (d: Delivery) => boolean][] = [
      [{ print: 1 }, (d) => d.delivery_statusInfo.print_express],
      [{ print: 0 }, (d) => !d.delivery_statusInfo.print_express],
      [{ scan: 1 }, (d) => d.delivery_statusInfo.scan],
      [{ scan: "0" }, (d) => !d.delivery_statusInfo.scan],
      [{ cod: 1 }, (d) => d.cod],
      [{ cod: 0 }, (d) => !d.cod],
      [{ wms: 0 }, (d) => d.delivery_statusInfo.wms === 0],
      [{ wms: 1 }, (d) => d.delivery_statusInfo.wms !== 0],
      [{ sync_status: 1 }, (d) => d.sync_status === 1],
      [{ sync_status: 0 }, (d) => d.sync_status === 0],
      [{ sync_status: "-1" }, (d) => d.sync_status === -1],
    ];
    for (const [params, keep] of cases) {
      const answer = await deliveries({ ...params, page_size: 100 });
      expect(answer.deliverys, JSON.stringify(params)).toEqual(all.filter(keep));
    }
    // Both kinds exist for the flags the data varies.
    for (const keep of [(d: Delivery) => d.delivery_statusInfo.print_express, (d: Delivery) => d.cod, (d: Delivery) => d.sync_status === 1]) {
      expect(all.some(keep) && !all.every(keep)).toBe(true);
    }
  });

  it("refuses a malformed filter and a parameter it does not serve, never ignoring it", async () => {
    for (const params of [{ delivery: 2 }, { print: "yes" }, { scan: -1 }, { cod: true }, { wms: 2 }, { sync_status: 2 }, { start_create: "2025-02-30 00:00:00" }, { end_delivery_date: "2025-01-01" }]) {
      const answer = await deliveries(params);
      expect(answer, JSON.stringify(params)).toMatchObject({ success: false, errorCode: GUANYI_ERROR_CODES.badParameter });
      expect(answer.errorDesc).toContain(Object.keys(params)[0]);
      expect(answer).not.toHaveProperty("deliverys");
    }
    const unknown = await deliveries({ start_date: "2025-01-01 00:00:00", end_date: "2025-02-01 00:00:00", status: 1 });
    expect(unknown).toMatchObject({ success: false, errorCode: GUANYI_ERROR_CODES.badParameter });
    expect(unknown.errorDesc).toContain("start_date、end_date、status");
    expect(await call("gy.erp.items.get", { shop_code: "X" })).toMatchObject({ success: false, errorCode: GUANYI_ERROR_CODES.badParameter });
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
