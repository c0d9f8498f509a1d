// The guanyi source reading 商品 and 发货单 from the simulator: same signing, paging, limiter and
// errors as shops, each API's own list key, nested skus/details arriving as sent.
import { createGuanyiSimulator, GUANYI_NO_FAULTS as NO_FAULTS } from "@qiao/simulators";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rejection as failure, simulatorPolicy as outbound } from "../testing";
import type { ConnectionConfig, ConnectorLogger, ReadRequest, SourcePage } from "../types";
import { guanyi } from "./index";
import { PAIRED_WINDOW_FLOOR } from "./source";

const DEMO = { appkey: "112194", sessionkey: "754a424bb6874a1fb8a7371f05e83974", secret: "7d3330562019420da7f3098aa630556b" };
const DATASET = { shops: 9, items: 23, deliveries: 60, seed: 5, moneyAsString: false };
const ITEMS = "gy.erp.items.get";
const DELIVERIES = "gy.erp.trade.deliverys.get";

const sim = createGuanyiSimulator(DATASET);
let baseUrl = "";
let warnings: Record<string, unknown>[] = [];
const logger: ConnectorLogger = { debug: () => {}, info: () => {}, warn: (_msg, data) => void warnings.push(data ?? {}) };

beforeAll(async () => {
  baseUrl = await sim.listen(0, "127.0.0.1");
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset(DATASET);
  sim.setFaults(NO_FAULTS);
  warnings = [];
});

const config = (overrides: Partial<ConnectionConfig> = {}): ConnectionConfig => ({ baseUrl, credentials: DEMO, outbound, qps: 1000, logger, ...overrides });

function request(api: string, params: Record<string, unknown> = {}, pageSize = 10): ReadRequest {
  return { api, params: { ...params, page_size: pageSize, page_no: 1 }, pageSize, startPage: 1 };
}

async function readAll(req: ReadRequest, cfg = config()): Promise<SourcePage[]> {
  const pages: SourcePage[] = [];
  for await (const page of guanyi.createSource!(cfg).readPages(req)) pages.push(page);
  return pages;
}

const records = (pages: SourcePage[]) => pages.flatMap((p) => p.records);

/** `yyyy-MM-dd HH:mm:ss` in Beijing time. */
const beijing = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace("T", " ");

describe("guanyi source — gy.erp.items.get", () => {
  it("reads every page until total, skus nested as sent", async () => {
    const pages = await readAll(request(ITEMS, {}, 10));
    expect(pages.map((p) => [p.pageNo, p.total, p.records.length])).toEqual([
      [1, 23, 10],
      [2, 23, 10],
      [3, 23, 3],
    ]);
    const items = records(pages);
    expect(new Set(items.map((i) => i.code)).size).toBe(23);
    expect(sim.state.stats.calls).toEqual({ [ITEMS]: 3 });
    for (const item of items) {
      const skus = item.skus as { code: string; sales_price: unknown }[];
      expect(skus.length).toBeGreaterThanOrEqual(1);
      if (skus.length === 1) expect(skus[0]!.code).toBe(item.code);
      expect(typeof skus[0]!.sales_price).toBe("number");
    }
  });

  it("sends a whole window when the start is left out (first sync), and reads the window given", async () => {
    const all = records(await readAll(request(ITEMS, {}, 100)));
    // Only the end, as the presets give on a first run: the simulator would refuse it alone.
    const firstSync = await readAll(request(ITEMS, { end_date: beijing(Date.now()) }, 100));
    expect(firstSync[0]!.total).toBe(23);
    expect(records(firstSync)).toEqual(all);

    const start = beijing(Date.now() - 1000);
    sim.modifyItems([{ code: String(all[3]!.code), set: { name: "改名商品" } }]);
    const since = await readAll(request(ITEMS, { start_date: start }, 100));
    expect(records(since)).toEqual([expect.objectContaining({ code: all[3]!.code, name: "改名商品" })]);
    const window = await readAll(request(ITEMS, { start_date: all[0]!.modify_date, end_date: all[4]!.modify_date }, 100));
    expect(records(window).map((i) => i.code)).toEqual(all.slice(0, 5).filter((i) => i.code !== all[3]!.code).map((i) => i.code));
    expect(PAIRED_WINDOW_FLOOR < String(all[0]!.create_date)).toBe(true);
  });

  it("filters by code", async () => {
    sim.addItems([{ code: "1547028778414", name: "文档示例商品" }]);
    expect(await readAll(request(ITEMS, { code: "1547028778414" }))).toEqual([
      { pageNo: 1, total: 1, records: [expect.objectContaining({ code: "1547028778414", skus: [expect.objectContaining({ code: "1547028778414" })] })] },
    ]);
  });
});

describe("guanyi source — gy.erp.trade.deliverys.get", () => {
  it("reads every page until total, details and delivery_statusInfo nested", async () => {
    const live = sim.state.deliveries.query({}, 0, 1000).total;
    const pages = await readAll(request(DELIVERIES, {}, 25));
    expect(pages.map((p) => p.total)).toEqual(pages.map(() => live));
    expect(pages).toHaveLength(Math.ceil(live / 25));
    const deliveries = records(pages);
    expect(deliveries).toHaveLength(live);
    expect(new Set(deliveries.map((d) => d.code)).size).toBe(live);
    for (const d of deliveries) {
      const details = d.details as { sku_code: string; qty: number; amount: number; price: number }[];
      expect(details.length).toBeGreaterThanOrEqual(1);
      for (const line of details) expect(sim.state.items.findSku(line.sku_code)).toBeDefined();
      expect(d.delivery_statusInfo).toEqual(expect.objectContaining({ delivery: expect.any(Number) }));
    }
    // Every voided delivery too, with del = 1.
    expect(records(await readAll(request(DELIVERIES, { del: 1 }, 100)))).toHaveLength(60);
  });

  it("reads money sent as strings (the 2025 shape) unchanged", async () => {
    sim.reset({ moneyAsString: true });
    const [first] = records(await readAll(request(DELIVERIES, { del: 1 }, 100)));
    expect(typeof first!.amount).toBe("string");
    expect(typeof (first!.details as { price: unknown }[])[0]!.price).toBe("string");
  });

  it("filters by shop, warehouse and a modification window completed to now", async () => {
    const all = records(await readAll(request(DELIVERIES, {}, 100)));
    const { shop_code, warehouse_code } = all[0]!;
    const filtered = records(await readAll(request(DELIVERIES, { shop_code, warehouse_code }, 100)));
    expect(filtered).toEqual(all.filter((d) => d.shop_code === shop_code && d.warehouse_code === warehouse_code));

    const start = beijing(Date.now() - 1000);
    sim.modifyDeliveries([{ code: String(all[2]!.code), set: { seller_memo: "改过" } }]);
    const since = records(await readAll(request(DELIVERIES, { start_modify_date: start }, 100)));
    expect(since).toEqual([expect.objectContaining({ code: all[2]!.code, seller_memo: "改过" })]);
  });

  it("shares the limiter, retries and error handling of shops", async () => {
    const keys: string[] = [];
    await readAll(request(DELIVERIES, {}, 25), config({ limiter: { acquire: async (key) => void keys.push(key) } }));
    expect(keys.length).toBe(sim.state.stats.calls[DELIVERIES]);
    expect(new Set(keys)).toEqual(new Set(["guanyi:112194"]));

    sim.setFaults({ failNext: 1, throttleNext: 1 });
    expect(records(await readAll(request(ITEMS, {}, 100)))).toHaveLength(23);
    expect(warnings.map((w) => w.kind).sort()).toEqual(["server", "throttled"]);

    const wrong = await failure(readAll(request(DELIVERIES), config({ credentials: { ...DEMO, secret: "wrong" } })));
    expect(wrong).toMatchObject({ kind: "auth", platformCode: "invalid-sign" });
    const refused = await failure(readAll(request(DELIVERIES, { del: 7 })));
    expect(refused).toMatchObject({ kind: "request", platformCode: "invalid-parameter" });
    expect(refused.message).toContain("del");
  });
});
