// gy.erp.trade.get (订单查询) over HTTP, and its admin endpoints.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGuanyiSimulator, GUANYI_DEMO_TENANT, GUANYI_ERROR_CODES, guanyiOptionsFromEnv, type Delivery, type Order } from "./index";
import { formatBeijing } from "./dataset";
import { md5Sign } from "./signature";

const DATASET = { shops: 12, items: 30, deliveries: 60, orders: 80, seed: 33, moneyAsString: false };
const sim = createGuanyiSimulator(DATASET);
let url = "";
let admin = "";

beforeAll(async () => {
  url = await sim.listen(0, "127.0.0.1");
  admin = url.replace("/rest/erp_open", "/__admin");
});
afterAll(() => sim.close());
beforeEach(() => sim.reset(DATASET));

type Answer = { success: boolean; total: number; orders: Order[]; errorCode: string; errorDesc: string };

async function call(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const fields = { appkey: GUANYI_DEMO_TENANT.appkey, sessionkey: GUANYI_DEMO_TENANT.sessionkey, method, ...params };
  const body = JSON.stringify({ ...fields, sign: md5Sign(GUANYI_DEMO_TENANT.secret, JSON.stringify(fields)) });
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  return (await res.json()) as Record<string, unknown>;
}

const orders = (params: Record<string, unknown> = {}) => call("gy.erp.trade.get", params) as Promise<Answer>;

async function adminCall(path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${admin}${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const nowText = (offset = 0) => formatBeijing(Math.floor(Date.now() / 1000) + offset);

describe("guanyi simulator — gy.erp.trade.get", () => {
  it("pages through the live orders with total, in the documented envelope", async () => {
    const first = await orders({ page_size: 30 });
    expect(Object.keys(first)).toEqual(["success", "errorCode", "subErrorCode", "errorDesc", "subErrorDesc", "requestMethod", "orders", "total"]);
    const live = sim.state.orders.query({}, 0, 1000).total;
    expect(first.total).toBe(live);
    const pages = [first.orders];
    for (let page = 2; (page - 1) * 30 < live; page++) pages.push((await orders({ page_size: 30, page_no: page })).orders);
    const all = pages.flat();
    expect(all).toHaveLength(live);
    expect(new Set(all.map((o) => o.code)).size).toBe(live);
    expect(all.every((o) => !o.cancle && o.details.length > 0 && o.code.startsWith("SO"))).toBe(true);
    expect((await orders()).orders).toHaveLength(10);
    expect((await orders({ has_cancel_data: true, page_size: 100 })).total).toBe(80);
    expect((await orders({ has_cancel_data: "1", page_size: 100 })).total).toBe(80);
    expect((await orders({ has_cancel_data: "false", page_size: 100 })).total).toBe(live);
  });

  it("filters start_date/end_date on the time date_type names, sorted by it, either bound alone", async () => {
    const byCreated = (await orders({ has_cancel_data: true, page_size: 100 })).orders;
    expect(byCreated).toEqual((await orders({ has_cancel_data: true, page_size: 100, date_type: 0 })).orders);
    for (const [dateType, field] of [[0, "createtime"], [1, "dealtime"], [2, "paytime"], [3, "modifytime"]] as const) {
      const all = (await orders({ date_type: dateType, has_cancel_data: true, page_size: 100 })).orders;
      const paid = all.filter((o) => o[field] !== null);
      for (let i = 1; i < paid.length; i++) expect(paid[i - 1]![field]! <= paid[i]![field]!).toBe(true);
      const [start, end] = [paid[10]![field]!, paid[39]![field]!];
      const window = await orders({ date_type: String(dateType), start_date: start, end_date: end, has_cancel_data: true, page_size: 100 });
      expect(window.orders).toEqual(paid.filter((o) => o[field]! >= start && o[field]! <= end));
      const since = await orders({ date_type: dateType, start_date: start, has_cancel_data: true, page_size: 100 });
      expect(since.total).toBe(paid.filter((o) => o[field]! >= start).length);
      const until = await orders({ date_type: dateType, end_date: end, has_cancel_data: true, page_size: 100 });
      expect(until.total).toBe(paid.filter((o) => o[field]! <= end).length);
    }
  });

  it("filters by order_state and the documented codes", async () => {
    const all = (await orders({ has_cancel_data: true, page_size: 100 })).orders;
    expect((await orders({ order_state: 1, has_cancel_data: true, page_size: 100 })).orders).toEqual(all.filter((o) => !o.approve));
    expect((await orders({ order_state: 2, has_cancel_data: true, page_size: 100 })).orders).toEqual(all.filter((o) => o.approve));
    const o = all[5]!;
    for (const params of [{ code: o.code }, { platform_code: o.platform_code }, { receiver_mobile: o.receiver_mobile }]) {
      expect(await orders({ ...params, has_cancel_data: true })).toMatchObject({ total: 1, orders: [o] });
    }
    const filtered = await orders({ shop_code: o.shop_code, warehouse_code: o.warehouse_code, vip_name: o.vip_name, has_cancel_data: true, page_size: 100 });
    expect(filtered.orders).toEqual(all.filter((x) => x.shop_code === o.shop_code && x.warehouse_code === o.warehouse_code && x.vip_name === o.vip_name));
  });

  it("serves the order of every delivery: detail trade_code = order code", async () => {
    const deliverys = (await call("gy.erp.trade.deliverys.get", { del: 1, page_size: 100 })).deliverys as Delivery[];
    expect(deliverys).toHaveLength(60);
    for (const d of deliverys.slice(0, 15)) {
      const answer = await orders({ code: d.details[0]!.trade_code, has_cancel_data: true });
      expect(answer.total).toBe(1);
      expect(answer.orders[0]).toMatchObject({ platform_code: d.platform_code, shop_code: d.shop_code, deliverys: [expect.objectContaining({ code: d.code })] });
    }
  });

  it("refuses bad date_type, order_state, has_cancel_data and dates with success:false", async () => {
    for (const params of [{ date_type: 4 }, { order_state: 3 }, { has_cancel_data: "maybe" }, { start_date: "2024-02-30 00:00:00" }, { end_date: "yesterday" }]) {
      const answer = await orders(params);
      expect(answer).toMatchObject({ success: false, errorCode: GUANYI_ERROR_CODES.badParameter });
      expect(answer.errorDesc).toContain(Object.keys(params)[0]);
      expect(answer).not.toHaveProperty("orders");
    }
  });

  // Every filter guanyi-documents.md documents is served; anything else used to be ignored, so an
  // undocumented filter (a deliveries' one, say) answered every order as if it had been applied.
  it("refuses a parameter it does not serve instead of ignoring it", async () => {
    for (const params of [{ start_modify_date: "2024-01-01 00:00:00", end_modify_date: "2025-01-01 00:00:00" }, { outer_code: "X" }, { status: 1 }]) {
      const answer = await orders(params);
      expect(answer, JSON.stringify(params)).toMatchObject({ success: false, errorCode: GUANYI_ERROR_CODES.badParameter });
      expect(answer.errorDesc).toContain(Object.keys(params).join("、"));
      expect(answer).not.toHaveProperty("orders");
    }
    const documented = { start_date: "2024-01-01 00:00:00", end_date: "2026-01-01 00:00:00", date_type: 3, order_state: 0, warehouse_code: "WH01", shop_code: "", vip_name: "", platform_code: "", receiver_mobile: "", code: "", has_cancel_data: false };
    expect(await orders(documented)).toMatchObject({ success: true });
  });

  it("sends money as strings when switched, the 2025 shape", async () => {
    const numbers = (await orders({ page_size: 5 })).orders;
    sim.reset({ moneyAsString: true });
    const strings = (await orders({ page_size: 5 })).orders;
    expect(strings.map((o) => o.code)).toEqual(numbers.map((o) => o.code));
    expect(strings[0]).toMatchObject({ amount: String(numbers[0]!.amount), payment: String(numbers[0]!.payment), qty: numbers[0]!.qty });
    expect(strings[0]!.details[0]).toMatchObject({ price: String(numbers[0]!.details[0]!.price) });
    sim.reset({ moneyAsString: false });
  });

  it("adds and modifies orders over HTTP, checking shop and sku codes; changes enter the 修改时间 window", async () => {
    const shop = sim.state.shops.get(0);
    const sku = sim.state.items.get(0).skus[0]!;
    const added = await adminCall("/orders", {
      orders: [{ shop_code: shop.code, warehouse_code: "WH03", platform_code: "TB-1", dealtime: "2025-06-01 10:00:00", details: [{ sku_code: sku.code, qty: 2, price: 10.5 }] }],
    });
    expect(added.status).toBe(201);
    const [order] = added.json.orders as Order[];
    expect(order).toMatchObject({ shop_code: shop.code, shop_name: shop.name, warehouse_name: "华南仓", platform_code: "TB-1", dealtime: "2025-06-01 10:00:00", qty: 2, amount: 21, approve: false, deliverys: [] });
    const line = { sku_code: sku.code, qty: 1 };
    expect((await adminCall("/orders", { orders: [{ shop_code: "NOPE", details: [line] }] })).status).toBe(404);
    expect((await adminCall("/orders", { orders: [{ shop_code: shop.code, details: [{ sku_code: "NOPE", qty: 1 }] }] })).status).toBe(404);
    expect((await adminCall("/orders", { orders: [{ shop_code: shop.code, dealtime: "2025-06-01", details: [line] }] })).status).toBe(400);
    expect((await adminCall("/orders", { orders: [{ code: order!.code, shop_code: shop.code, details: [line] }] })).status).toBe(409);
    expect(sim.state.orders.size).toBe(81);
    expect((await orders({ platform_code: "TB-1" })).orders).toEqual([order]);

    const start = nowText(-1);
    const old = (await orders({ page_size: 1 })).orders[0]!;
    const modified = await adminCall("/orders/modify", { orders: [{ code: old.code, set: { seller_memo: "补发", delivery_state: 1 }, details: [{ sku_code: sku.code, qty: 3, price: 1 }] }] });
    expect(modified.json.orders).toEqual([expect.objectContaining({ code: old.code, seller_memo: "补发", delivery_state: 1, qty: 3 })]);
    await adminCall("/orders/modify", { orders: [{ code: order!.code, set: { cancle: true } }] });
    const end = nowText(60);
    const window = { date_type: 3, start_date: start, end_date: end };
    expect((await orders(window)).orders.map((o) => o.code)).toEqual([old.code]);
    expect((await orders({ ...window, has_cancel_data: true })).total).toBe(2);
    expect((await adminCall(`/orders?code=${order!.code}`)).json.order).toMatchObject({ cancle: true });
    expect((await adminCall("/orders?code=SO0")).status).toBe(404);
    expect((await adminCall("/orders/modify", { orders: [{ code: "SO0" }] })).status).toBe(404);
    expect((await adminCall("/orders/modify", { orders: [{ code: old.code, set: { cancel: 1 } }] })).status).toBe(400);
    // Approving stamps approveDate; an automatic code never takes one asked for later in the batch.
    const approved = sim.modifyOrders([{ code: order!.code, set: { approve: true } }]);
    expect(approved[0]!.approveDate).not.toBeNull();
    const next = sim.state.orders.freeCode();
    const pair = await adminCall("/orders", { orders: [{ shop_code: shop.code, details: [line] }, { code: next, shop_code: shop.code, details: [line] }] });
    expect((pair.json.orders as Order[]).map((o) => o.code)).toEqual([expect.not.stringMatching(next), next]);
    expect((await adminCall("/stats")).json).toMatchObject({ deliveries: 60, orders: 83 });
  });

  it("resets to a given number of orders; by default a fifth more than deliveries", async () => {
    const reset = await fetch(`${admin}/reset`, { method: "POST", body: JSON.stringify({ orders: 7 }) });
    expect(await reset.json()).toMatchObject({ deliveries: 60, orders: 7 });
    expect((await orders({ has_cancel_data: true, page_size: 100 })).total).toBe(7);
    expect(createGuanyiSimulator({ shops: 5, items: 5, deliveries: 20 }).state.orders.size).toBe(24);
    expect(guanyiOptionsFromEnv({ GUANYI_SIM_ORDERS: "5" }).orders).toBe(5);
    expect(guanyiOptionsFromEnv({})).not.toHaveProperty("orders");
    expect(() => guanyiOptionsFromEnv({ GUANYI_SIM_ORDERS: "50001" })).toThrow(/GUANYI_SIM_ORDERS.*50000/);
  });
});
