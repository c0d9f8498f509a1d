import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createGuanyiSimulator, GUANYI_NO_FAULTS as NO_FAULTS } from "@qiao/simulators";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rejection as failure, simulatorPolicy as outbound } from "../testing";
import type { CallObservation } from "../observer";
import type { ConnectionConfig, ConnectorLogger, ReadRequest, SourcePage } from "../types";
import { guanyi } from "./index";

const DEMO = { appkey: "112194", sessionkey: "754a424bb6874a1fb8a7371f05e83974", secret: "7d3330562019420da7f3098aa630556b" };
const SHOPS = 23;

const sim = createGuanyiSimulator({ shops: SHOPS, seed: 99 });
let baseUrl = "";
let warnings: Record<string, unknown>[] = [];
const logger: ConnectorLogger = { debug: () => {}, info: () => {}, warn: (_msg, data) => void warnings.push(data ?? {}) };

beforeAll(async () => {
  baseUrl = await sim.listen(0, "127.0.0.1");
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset({ shops: SHOPS, seed: 99 });
  sim.setFaults(NO_FAULTS);
  warnings = [];
});

function config(overrides: Partial<ConnectionConfig> = {}, credentials: Partial<typeof DEMO> = {}): ConnectionConfig {
  return { baseUrl, credentials: { ...DEMO, ...credentials }, outbound, qps: 1000, logger, ...overrides };
}

function shopRequest(params: Record<string, unknown> = {}, pageSize = 10, startPage = 1): ReadRequest {
  return { api: "gy.erp.shop.get", params: { ...params, page_size: pageSize, page_no: startPage }, pageSize, startPage };
}

async function readAll(cfg: ConnectionConfig, req: ReadRequest): Promise<SourcePage[]> {
  const pages: SourcePage[] = [];
  for await (const page of guanyi.createSource!(cfg).readPages(req)) pages.push(page);
  return pages;
}

/** `yyyy-MM-dd HH:mm:ss` in Beijing time. */
function beijing(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace("T", " ");
}

describe("guanyi source against the simulator", () => {
  it("pages until total when total is not a multiple of the page size", async () => {
    const pages = await readAll(config(), shopRequest({}, 10));
    expect(pages.map((p) => [p.pageNo, p.total, p.records.length])).toEqual([
      [1, 23, 10],
      [2, 23, 10],
      [3, 23, 3],
    ]);
    const ids = pages.flatMap((p) => p.records.map((r) => r.id));
    expect(new Set(ids).size).toBe(SHOPS);
    expect(Object.keys(pages[0]!.records[0]!)).toEqual(["id", "nick", "code", "name", "create_date", "modify_date", "note", "type_name"]);
    expect(sim.state.stats.calls).toEqual({ "gy.erp.shop.get": 3 });
  });

  it("starts at the requested page and stops at an exact multiple", async () => {
    sim.reset({ shops: 20, seed: 99 });
    const pages = await readAll(config(), shopRequest({}, 5, 3));
    expect(pages.map((p) => [p.pageNo, p.records.length])).toEqual([
      [3, 5],
      [4, 5],
    ]);
    expect(sim.state.stats.calls["gy.erp.shop.get"]).toBe(2);
  });

  for (const concurrency of [1, 3]) {
    it(`reads every record of a 管易云 that serves fewer rows a page than page_size asks (its own cap), ${concurrency} call(s) at a time`, async () => {
      // Pages of 4 whatever page_size says, numbered by 4: page_no × page_size ≥ total stopped after
      // page 3 (12 of 23 records read, the rest never asked for).
      sim.setFaults({ pageCap: 4 });
      const pages = await readAll(config({}, { concurrency } as Partial<typeof DEMO>), shopRequest({}, 10));
      expect(pages.map((p) => [p.pageNo, p.records.length])).toEqual([
        [1, 4],
        [2, 4],
        [3, 4],
        [4, 4],
        [5, 4],
        [6, 3],
      ]);
      expect(new Set(pages.flatMap((p) => p.records.map((r) => r.id))).size).toBe(SHOPS);
      // No page asked for past the last (the read-ahead follows the rows a page actually holds).
      expect(sim.state.stats.calls["gy.erp.shop.get"]).toBe(6);
    });
  }

  it("caps the page size at 100, which the simulator enforces", async () => {
    sim.reset({ shops: 150, seed: 99 });
    const pages = await readAll(config(), shopRequest({}, 500));
    expect(pages.map((p) => p.records.length)).toEqual([100, 50]);
    expect(warnings).toEqual([expect.objectContaining({ requested: 500, pageSize: 100 })]);
  });

  it("yields one empty page for an empty result", async () => {
    const pages = await readAll(config(), shopRequest({ modify_start_date: "2099-01-01 00:00:00" }));
    expect(pages).toEqual([{ pageNo: 1, total: 0, records: [] }]);
  });

  it("filters by code", async () => {
    sim.addShops([{ code: "gsh_test", name: "管易测试店铺" }]);
    const pages = await readAll(config(), shopRequest({ code: "gsh_test" }));
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ total: 1, records: [{ code: "gsh_test", name: "管易测试店铺" }] });
  });

  it("reads only shops modified inside the window", async () => {
    const all = (await readAll(config(), shopRequest({}, 100)))[0]!.records;
    const start = beijing(Date.now() - 1000);
    const changed = sim.modifyShops([{ code: String(all[4]!.code), set: { name: "改名旗舰店" } }, { id: Number(all[9]!.id) }]);
    const pages = await readAll(config(), shopRequest({ modify_start_date: start, modify_end_date: beijing(Date.now() + 60_000) }));
    expect(pages[0]!.total).toBe(2);
    // Same modify_date: the simulator orders them by id.
    expect(pages[0]!.records).toEqual([...changed].sort((a, b) => a.id - b.id));
    expect(pages[0]!.records).toContainEqual(expect.objectContaining({ name: "改名旗舰店" }));
  });

  it("reports a wrong secret as a sign failure without retrying or leaking it", async () => {
    const error = await failure(readAll(config({}, { secret: "wrong-secret-value" }), shopRequest()));
    expect(error).toMatchObject({ kind: "auth", platform: "guanyi", platformCode: "invalid-sign", retryable: false });
    expect(error.message).toContain("签名校验失败");
    expect(error.platformMessage).toBeTruthy();
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain("wrong-secret-value");
    expect(sim.state.stats.requests).toBe(1);
  });

  it("reports a bad sessionkey as such without leaking it", async () => {
    const error = await failure(readAll(config({}, { sessionkey: "expired-session-key" }), shopRequest()));
    expect(error).toMatchObject({ kind: "auth", platformCode: "invalid-sessionkey" });
    expect(error.message).toContain("sessionkey 无效");
    expect(error.message + error.platformMessage).not.toContain("expired-session-key");
  });

  it("backs off when throttled, then succeeds", async () => {
    sim.setFaults({ qps: 4 });
    const pages = await readAll(config(), shopRequest({}, 5));
    expect(pages.flatMap((p) => p.records)).toHaveLength(SHOPS);
    expect(sim.state.stats.throttled).toBeGreaterThan(0);
    expect(warnings.some((w) => w.kind === "throttled")).toBe(true);
  });

  it("retries injected 5xx answers and a malformed page", async () => {
    sim.setFaults({ failNext: 2 });
    const pages = await readAll(config(), shopRequest({}, 10));
    expect(pages.flatMap((p) => p.records)).toHaveLength(SHOPS);
    expect(warnings.map((w) => w.kind)).toEqual(["server", "server"]);
    expect([500, 502]).toContain(warnings[0]!.httpStatus);

    sim.setFaults({ malformedOnce: true });
    expect((await readAll(config(), shopRequest({}, 10))).flatMap((p) => p.records)).toHaveLength(SHOPS);
    expect(sim.state.stats.errorsInjected).toMatchObject({ malformed: 1 });
  });

  it("tells the observer of every exchange: its method, duration and, for a failed one, the error kind", async () => {
    sim.setFaults({ failNext: 2 });
    const seen: CallObservation[] = [];
    const pages = await readAll(config({ observer: { observe: (c) => void seen.push(c) } }), shopRequest({}, 10));
    expect(seen.map((c) => [c.platform, c.service, c.error])).toEqual([
      ["guanyi", "gy.erp.shop.get", "server"],
      ["guanyi", "gy.erp.shop.get", "server"],
      ...pages.map(() => ["guanyi", "gy.erp.shop.get", undefined]),
    ]);
    expect(seen.every((c) => c.durationMs >= 0 && c.durationMs < 10_000)).toBe(true);
    // An observer that throws changes nothing about the call.
    const throwing = { observe: () => { throw new Error("observer broke"); } };
    expect((await readAll(config({ observer: throwing }), shopRequest({}, 10))).flatMap((p) => p.records)).toHaveLength(SHOPS);
  });

  it("gives up after maxRetries with a typed, retryable error", async () => {
    sim.setFaults({ failNext: 5 });
    const error = await failure(readAll(config({ maxRetries: 1 }), shopRequest()));
    expect(error).toMatchObject({ kind: "server", retryable: true });
    expect([500, 502]).toContain(error.httpStatus);
    expect(sim.state.stats.requests).toBe(2);
  });

  it("turns a dropped connection into a network error and a slow answer into a timeout", async () => {
    sim.setFaults({ dropRate: 1 });
    expect(await failure(readAll(config({ maxRetries: 0 }), shopRequest()))).toMatchObject({ kind: "network", retryable: true });
    sim.setFaults({ dropRate: 0, latencyMs: 300 });
    const timeout = await failure(readAll(config({ maxRetries: 0, timeoutMs: 80 }), shopRequest()));
    expect(timeout).toMatchObject({ kind: "timeout" });
    expect(timeout.message).toContain("秒内没有响应");
  });

  it("stops at once when cancelled", async () => {
    sim.setFaults({ latencyMs: 2000 });
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 50);
    const error = await failure(readAll(config(), { ...shopRequest(), signal: controller.signal }));
    expect(error.kind).toBe("cancelled");
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("takes every call through the limiter under guanyi:<appkey>", async () => {
    const keys: string[] = [];
    await readAll(config({ limiter: { acquire: async (key) => void keys.push(key) } }), shopRequest({}, 10));
    expect(keys).toEqual(["guanyi:112194", "guanyi:112194", "guanyi:112194"]);

    const started = performance.now();
    await readAll(config({ qps: 5 }), shopRequest({}, 10));
    expect(performance.now() - started).toBeGreaterThanOrEqual(380);
  });

  it("refuses an unknown api and incomplete credentials in plain words", async () => {
    expect(await failure(readAll(config(), { ...shopRequest(), api: "gy.erp.nothing.get" }))).toMatchObject({ kind: "request" });
    const error = await failure(guanyi.testConnection({ baseUrl, credentials: { appkey: "112194" }, outbound }));
    expect(error).toMatchObject({ kind: "auth" });
    expect(error.message).toContain("sessionkey");
  });
});

describe("guanyi connection test", () => {
  it("counts the shops with one page_size 1 call", async () => {
    expect(await guanyi.testConnection(config())).toEqual({ message: `共 ${SHOPS} 个店铺`, messageEn: `${SHOPS} shops in all` });
    expect(sim.state.stats.calls).toEqual({ "gy.erp.shop.get": 1 });
  });

  it("fails with the reason", async () => {
    expect(await failure(guanyi.testConnection(config({}, { secret: "nope" })))).toMatchObject({ kind: "auth", platformCode: "invalid-sign" });
  });
});

describe("guanyi source against other answers", () => {
  let answer: { status: number; body: string; type?: string } = { status: 200, body: "" };
  const stub = createServer((_req, res) => {
    res.writeHead(answer.status, { "content-type": answer.type ?? "application/json" });
    res.end(answer.body);
  });
  let stubUrl = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
    stubUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/rest/erp_open`;
  });
  afterAll(() => new Promise<void>((resolve) => stub.close(() => resolve())));

  const ok = (shops: unknown, total: unknown) =>
    JSON.stringify({ success: true, errorCode: "", subErrorCode: "", errorDesc: "", subErrorDesc: "", requestMethod: "gy.erp.shop.get", shops, total, flag: null });

  it("accepts ids as strings and totals as strings, keeping records as sent", async () => {
    answer = { status: 200, body: ok([{ name: "甲", id: "710944505983" }], "1") };
    const pages = await readAll(config({ baseUrl: stubUrl }), shopRequest());
    expect(pages).toEqual([{ pageNo: 1, total: 1, records: [{ name: "甲", id: "710944505983" }] }]);
  });

  it("calls an answer outside the protocol a protocol error", async () => {
    answer = { status: 200, body: JSON.stringify({ hello: "world" }) };
    expect(await failure(readAll(config({ baseUrl: stubUrl }), shopRequest()))).toMatchObject({ kind: "protocol" });
    answer = { status: 200, body: ok([{ name: "no id" }], 1) };
    expect(await failure(readAll(config({ baseUrl: stubUrl }), shopRequest()))).toMatchObject({ kind: "protocol" });
  });

  it("takes a list of objects with a finite numeric or non-empty text id, and nothing else (checked without copying the records)", async () => {
    const accepted: unknown[] = [[{ id: 0 }, { id: -1.5 }, { id: "x", nested: { id: null } }], [], null, undefined];
    const refused: unknown[] = [[{ id: "" }], [{ id: null }], [{ ID: 1 }], [{ id: 1 }, [1]], [{ id: 1 }, null], [{ id: true }], [{ id: [1] }], { id: 1 }, "shops", 7];
    for (const shops of accepted) {
      answer = { status: 200, body: ok(shops, 3) };
      const pages = await readAll(config({ baseUrl: stubUrl }), shopRequest());
      expect(pages[0]!.records).toEqual(shops ?? []);
    }
    for (const shops of refused) {
      answer = { status: 200, body: ok(shops, 3) };
      const error = await failure(readAll(config({ baseUrl: stubUrl }), shopRequest()));
      expect(error).toMatchObject({ kind: "protocol" });
      expect(error.message).toContain("不是记录列表，或记录缺少 id");
      expect(String(error.cause)).not.toBe("");
    }
  });

  it("recognises throttling and unknown refusals, scrubbing credentials from the platform's text", async () => {
    answer = { status: 200, body: JSON.stringify({ success: false, errorCode: "", errorDesc: "接口调用过于频繁" }) };
    expect(await failure(readAll(config({ baseUrl: stubUrl, maxRetries: 0 }), shopRequest()))).toMatchObject({ kind: "throttled" });
    answer = { status: 200, body: JSON.stringify({ success: false, errorCode: "", errorDesc: "调用次数超过限制" }) };
    expect(await failure(readAll(config({ baseUrl: stubUrl, maxRetries: 0 }), shopRequest()))).toMatchObject({ kind: "throttled" });
    // A limit a person must fix is a refusal, not throttling retried for ever (session 27).
    for (const errorDesc of ["时间跨度超过限制，最多 24 小时", "page_size exceeds the limit of 100"]) {
      answer = { status: 200, body: JSON.stringify({ success: false, errorCode: "", errorDesc }) };
      expect(await failure(readAll(config({ baseUrl: stubUrl, maxRetries: 0 }), shopRequest()))).toMatchObject({ kind: "request" });
    }
    answer = { status: 200, body: JSON.stringify({ success: false, errorCode: 40001, errorDesc: `店铺 ${DEMO.sessionkey} 已停用` }) };
    const error = await failure(readAll(config({ baseUrl: stubUrl }), shopRequest()));
    expect(error).toMatchObject({ kind: "request", platformCode: "40001" });
    expect(error.message).toContain("已停用");
    expect(error.message + error.platformMessage).not.toContain(DEMO.sessionkey);
  });

  it("reports an answer outside the protocol by status, type and size only, never its text", async () => {
    const page = "<html><title>Gateway login ZX-PORTAL-7781</title></html>";
    for (const [status, type, body] of [
      [200, "text/html; charset=utf-8", page],
      [200, "application/json", JSON.stringify({ note: page })],
      [502, "text/html", page],
    ] as const) {
      answer = { status, type, body };
      const error = await failure(readAll(config({ baseUrl: stubUrl, maxRetries: 1 }), shopRequest()));
      const facts = `HTTP ${status}，${type.split(";")[0]}，${Buffer.byteLength(body)} 字节`;
      if (status === 200) expect(error.message).toContain(facts);
      expect(JSON.stringify({ error, message: error.message, cause: String(error.cause), warnings })).not.toContain("ZX-PORTAL-7781");
    }
  });

  it("scrubs every credential value, not only the secrets, from the platform's text", async () => {
    answer = { status: 200, body: JSON.stringify({ success: false, errorCode: "x", errorDesc: `appkey ${DEMO.appkey} / secret ${DEMO.secret} 不匹配` }) };
    const error = await failure(readAll(config({ baseUrl: stubUrl }), shopRequest()));
    for (const value of Object.values(DEMO)) expect(error.message + error.platformMessage).not.toContain(value);
  });

  it("fails an answer over the size limit with a clear error", async () => {
    answer = { status: 200, body: ok([{ name: "x".repeat(4096), id: 1 }], 1) };
    const error = await failure(readAll(config({ baseUrl: stubUrl, outbound: { ...outbound, maxResponseBytes: 1024 } }), shopRequest()));
    expect(error).toMatchObject({ kind: "protocol" });
    expect(error.message).toContain("超过 1024 字节的上限");
  });

  it("refuses an address the policy forbids without sending anything", async () => {
    const error = await failure(readAll(config({ outbound: { ...outbound, allowPrivateTargets: false } }), shopRequest()));
    expect(error).toMatchObject({ kind: "request" });
    expect(error.message).toContain("地址 127.0.0.1 属于本机回环地址");
    expect(sim.state.stats.calls).toEqual({});
  });

  it("calls a 404 a wrong address", async () => {
    answer = { status: 404, body: "not found" };
    const error = await failure(readAll(config({ baseUrl: stubUrl }), shopRequest()));
    expect(error).toMatchObject({ kind: "request", httpStatus: 404 });
    expect(error.message).toContain("/rest/erp_open");
  });
});
