import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGuanyiSimulator, GUANYI_DEMO_TENANT, GUANYI_ERROR_CODES, GUANYI_NO_FAULTS as NO_FAULTS, guanyiOptionsFromEnv } from "./index";
import { md5Sign } from "./signature";

// The official signed example of shared/protocols/guanyi.md (demo tenant).
const EXAMPLE_JSON =
  '{"appkey":"112194","sessionkey":"754a424bb6874a1fb8a7371f05e83974","method":"gy.erp.shop.get","page_no":"1","page_size":"10","code":"gsh_test"}';
const EXAMPLE_BODY = `${EXAMPLE_JSON.slice(0, -1)},"sign":"EB50E390ED2C1B17AB817DDDA92BA789"}`;
const OTHER = { appkey: "qiao-test", sessionkey: "s-qiao", secret: "k-qiao" };

const sim = createGuanyiSimulator({ shops: 25, seed: 11, tenants: [OTHER] });
let url = "";
let admin = "";

beforeAll(async () => {
  url = await sim.listen(0, "127.0.0.1");
  admin = url.replace("/rest/erp_open", "/__admin");
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset({ shops: 25, seed: 11 });
  sim.setFaults(NO_FAULTS);
});

function signed(fields: Record<string, unknown>, secret = GUANYI_DEMO_TENANT.secret): string {
  return JSON.stringify({ ...fields, sign: md5Sign(secret, JSON.stringify(fields)) });
}

function demoCall(params: Record<string, unknown>, method = "gy.erp.shop.get"): string {
  return signed({ appkey: GUANYI_DEMO_TENANT.appkey, sessionkey: GUANYI_DEMO_TENANT.sessionkey, method, ...params });
}

async function post(body: string, contentType = "application/json"): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": contentType }, body });
  const text = await res.text();
  return { status: res.status, json: res.status === 200 ? (JSON.parse(text) as Record<string, unknown>) : { text } };
}

async function adminCall(path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${admin}${path}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe("guanyi simulator — the documented example", () => {
  it("accepts the official signed example request with the documented envelope", async () => {
    const { status, json } = await post(EXAMPLE_BODY);
    expect(status).toBe(200);
    expect(Object.keys(json)).toEqual(["success", "errorCode", "subErrorCode", "errorDesc", "subErrorDesc", "requestMethod", "shops", "total"]);
    expect(json).toMatchObject({ success: true, errorCode: "", errorDesc: "", requestMethod: "gy.erp.shop.get", shops: [], total: 0 });
  });

  it("refuses the example once a signed field is changed", async () => {
    const { json } = await post(EXAMPLE_BODY.replace('"page_size":"10"', '"page_size":"20"'));
    expect(json).toMatchObject({ success: false, errorCode: GUANYI_ERROR_CODES.badSign, requestMethod: "gy.erp.shop.get" });
  });

  it("accepts the example URL-encoded as text/json, with sign placed first", async () => {
    const signFirst = `{"sign":"eb50e390ed2c1b17ab817ddda92ba789",${EXAMPLE_JSON.slice(1)}`;
    for (const body of [encodeURIComponent(EXAMPLE_BODY), encodeURIComponent(signFirst)]) {
      const { json } = await post(body, "text/json;charset=utf-8");
      expect(json).toMatchObject({ success: true, total: 0 });
    }
  });

  it("finds the example's shop once it exists", async () => {
    sim.addShops([{ code: "gsh_test", name: "管易测试店铺", type_name: "淘宝" }]);
    const { json } = await post(EXAMPLE_BODY);
    expect(json.total).toBe(1);
    expect(json.shops).toEqual([expect.objectContaining({ code: "gsh_test", name: "管易测试店铺", nick: "管易测试店铺", note: "", type_name: "淘宝" })]);
  });
});

describe("guanyi simulator — refusals", () => {
  const cases: [string, () => string, string][] = [
    ["body not JSON", () => "{nope", GUANYI_ERROR_CODES.badRequest],
    ["no sign", () => JSON.stringify({ appkey: "112194", sessionkey: "x", method: "gy.erp.shop.get" }), GUANYI_ERROR_CODES.missingParameter],
    ["unknown appkey", () => signed({ appkey: "999", sessionkey: "x", method: "gy.erp.shop.get" }), GUANYI_ERROR_CODES.badAppkey],
    ["wrong secret", () => signed({ appkey: "112194", sessionkey: GUANYI_DEMO_TENANT.sessionkey, method: "gy.erp.shop.get" }, "wrong"), GUANYI_ERROR_CODES.badSign],
    ["wrong sessionkey", () => signed({ appkey: "112194", sessionkey: "expired", method: "gy.erp.shop.get" }), GUANYI_ERROR_CODES.badSessionkey],
    ["unknown method", () => demoCall({}, "gy.erp.nothing.get"), GUANYI_ERROR_CODES.badMethod],
    ["page_size above 100", () => demoCall({ page_size: 101 }), GUANYI_ERROR_CODES.badParameter],
    ["page_no 0", () => demoCall({ page_no: "0" }), GUANYI_ERROR_CODES.badParameter],
    ["bad datetime", () => demoCall({ modify_start_date: "2024-01-01" }), GUANYI_ERROR_CODES.badParameter],
  ];
  it.each(cases)("%s → HTTP 200, success:false, its own code", async (_name, body, code) => {
    const { status, json } = await post(body());
    expect(status).toBe(200);
    expect(json).toMatchObject({ success: false, errorCode: code });
    expect(json.errorDesc).toEqual(expect.any(String));
    expect(json).not.toHaveProperty("shops");
  });

  it("accepts a configured tenant", async () => {
    const { json } = await post(signed({ appkey: OTHER.appkey, sessionkey: OTHER.sessionkey, method: "gy.erp.shop.get" }, OTHER.secret));
    expect(json).toMatchObject({ success: true, total: 25 });
  });
});

describe("guanyi simulator — gy.erp.shop.get", () => {
  it("pages with defaults page_no 1, page_size 10 and total = matching rows", async () => {
    const first = (await post(demoCall({}))).json;
    const third = (await post(demoCall({ page_no: 3, page_size: "10" }))).json;
    expect(first.total).toBe(25);
    expect(first.shops).toHaveLength(10);
    expect(third.shops).toHaveLength(5);
    const all = (await post(demoCall({ page_size: 100 }))).json.shops as { id: number }[];
    expect([...(first.shops as { id: number }[]), ...(third.shops as { id: number }[])].map((s) => s.id)).toEqual(
      [...all.slice(0, 10), ...all.slice(20)].map((s) => s.id),
    );
  });

  it("filters by inclusive modify window and by code", async () => {
    const all = (await post(demoCall({ page_size: 100 }))).json.shops as { code: string; modify_date: string }[];
    const [from, to] = [all[3]!.modify_date, all[8]!.modify_date];
    const window = (await post(demoCall({ modify_start_date: from, modify_end_date: to, page_size: 100 }))).json;
    expect(window.total).toBe(6);
    expect(window.shops).toEqual(all.slice(3, 9));
    const byCode = (await post(demoCall({ code: all[4]!.code }))).json;
    expect(byCode).toMatchObject({ total: 1, shops: [all[4]] });
  });

  it("answers the other documented read methods with an empty list", async () => {
    for (const [method, listKey] of [["gy.erp.vip.get", "vips"], ["gy.erp.supplier.get", "supplier_list"]] as const) {
      const { json } = await post(demoCall({}, method));
      expect(json).toMatchObject({ success: true, requestMethod: method, [listKey]: [], total: 0 });
    }
  });
});

describe("guanyi simulator — faults and admin endpoints", () => {
  it("throttles above the configured QPS with call-limited", async () => {
    sim.setFaults({ qps: 2 });
    const answers = await Promise.all([1, 2, 3, 4].map(() => post(demoCall({}))));
    expect(answers.filter((a) => a.json.success).length).toBe(2);
    expect(answers.filter((a) => a.json.errorCode === GUANYI_ERROR_CODES.throttled).length).toBe(2);
    expect(sim.state.stats.throttled).toBe(2);
  });

  it("throttles exactly the next N calls with throttleNext, whatever the rate", async () => {
    sim.setFaults({ throttleNext: 2 });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await post(demoCall({}))).json.errorCode);
    expect(codes).toEqual([GUANYI_ERROR_CODES.throttled, GUANYI_ERROR_CODES.throttled, ""]);
    expect(sim.state.faults.throttleNext).toBe(0);
  });

  it("injects 5xx, a malformed page and latency", async () => {
    sim.setFaults({ failNext: 2 });
    expect([(await post(demoCall({}))).status, (await post(demoCall({}))).status].every((s) => s === 500 || s === 502)).toBe(true);
    expect((await post(demoCall({}))).status).toBe(200);

    sim.setFaults({ malformedOnce: true });
    const cut = await (await fetch(url, { method: "POST", body: demoCall({}) })).text();
    expect(cut.startsWith('{"success":true')).toBe(true);
    expect(() => JSON.parse(cut)).toThrow(SyntaxError);
    expect((await post(demoCall({}))).json.success).toBe(true);

    sim.setFaults({ latencyMs: 120 });
    const started = performance.now();
    await post(demoCall({}));
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
    expect(sim.state.stats.errorsInjected).toMatchObject({ malformed: 1 });
    expect(sim.state.stats.errorsInjected.http500 + sim.state.stats.errorsInjected.http502).toBe(2);
  });

  it("drops the connection after processing when asked", async () => {
    sim.setFaults({ dropRate: 1 });
    await expect(fetch(url, { method: "POST", body: demoCall({}) })).rejects.toThrow();
    expect(sim.state.stats).toMatchObject({ calls: { "gy.erp.shop.get": 1 }, errorsInjected: { dropped: 1 } });
  });

  it("resets, adds, modifies and reports over HTTP", async () => {
    expect((await adminCall("/reset", { shops: 40, seed: 5 })).json).toEqual({ shops: 40, items: 50, deliveries: 200, orders: 240, seed: 5, moneyAsString: false });
    const added = await adminCall("/shops", { shops: [{ code: "new-1", name: "新开旗舰店", type_name: "天猫" }] });
    expect(added.status).toBe(201);
    expect(added.json.shops).toEqual([expect.objectContaining({ code: "new-1", type_name: "天猫" })]);
    expect((await adminCall("/shops", { shops: [{ code: "new-1", name: "重复" }] })).status).toBe(409);

    const firstId = ((await post(demoCall({ page_size: 1 }))).json.shops as { id: number }[])[0]!.id;
    const modified = await adminCall("/shops/modify", { shops: [{ id: firstId, set: { note: "改过" } }, { code: "new-1" }] });
    expect(modified.status).toBe(200);
    expect(modified.json.shops).toEqual([expect.objectContaining({ id: firstId, note: "改过" }), expect.objectContaining({ code: "new-1" })]);
    expect((await adminCall("/shops/modify", { shops: [{ code: "missing" }] })).status).toBe(404);
    expect((await adminCall("/shops?code=new-1")).json.shop).toMatchObject({ code: "new-1" });

    const faults = await fetch(`${admin}/faults`, { method: "PUT", body: JSON.stringify({ latencyMs: 0, errorRate: "0.25" }) });
    expect(await faults.json()).toMatchObject({ errorRate: 0.25 });
    expect((await adminCall("/faults", { qps: -1 })).status).toBe(400);
    sim.setFaults(NO_FAULTS);

    await post(demoCall({}));
    const stats = (await adminCall("/stats")).json;
    expect(stats).toMatchObject({ shops: 41, seed: 5, calls: { "gy.erp.shop.get": 2 } });
    expect((await adminCall("/nothing")).status).toBe(404);
  });
});

describe("guanyiOptionsFromEnv", () => {
  it("defaults to the demo tenant only, 200 shops, 50 items, 200 deliveries and money as numbers", () => {
    expect(guanyiOptionsFromEnv({})).toMatchObject({ tenants: [], shops: 200, items: 50, deliveries: 200, moneyAsString: false, faults: {} });
  });

  it("reads a tenant, the dataset and faults", () => {
    const options = guanyiOptionsFromEnv({
      GUANYI_SIM_APPKEY: "a",
      GUANYI_SIM_SESSIONKEY: "s",
      GUANYI_SIM_SECRET: "k",
      GUANYI_SIM_SHOPS: "100000",
      GUANYI_SIM_ITEMS: "7",
      GUANYI_SIM_DELIVERIES: "0",
      GUANYI_SIM_MONEY_AS_STRING: "yes",
      GUANYI_SIM_SEED: "3",
      GUANYI_SIM_QPS: "50",
      GUANYI_SIM_ERROR_RATE: "0.1",
      GUANYI_SIM_MALFORMED_ONCE: "1",
    });
    expect(options).toEqual({
      tenants: [{ appkey: "a", sessionkey: "s", secret: "k" }],
      shops: 100000,
      items: 7,
      deliveries: 0,
      seed: 3,
      moneyAsString: true,
      faults: { qps: 50, errorRate: 0.1, malformedOnce: true },
    });
  });

  it("names the variable that is wrong", () => {
    expect(() => guanyiOptionsFromEnv({ GUANYI_SIM_ERROR_RATE: "2" })).toThrow(/GUANYI_SIM_ERROR_RATE/);
    expect(() => guanyiOptionsFromEnv({ GUANYI_SIM_SHOPS: "many" })).toThrow(/GUANYI_SIM_SHOPS/);
    expect(() => guanyiOptionsFromEnv({ GUANYI_SIM_DELIVERIES: "-1" })).toThrow(/GUANYI_SIM_DELIVERIES.*非负整数/);
    expect(() => guanyiOptionsFromEnv({ GUANYI_SIM_ITEMS: "50001" })).toThrow(/GUANYI_SIM_ITEMS.*50000/);
    expect(() => guanyiOptionsFromEnv({ GUANYI_SIM_MONEY_AS_STRING: "maybe" })).toThrow(/GUANYI_SIM_MONEY_AS_STRING.*true\/false/);
    expect(() => guanyiOptionsFromEnv({ GUANYI_SIM_APPKEY: "a" })).toThrow(/同时设置/);
  });
});
