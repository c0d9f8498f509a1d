// The guanyi source reading gy.erp.trade.get (订单查询) from the simulator's order store: pages
// until total, records keyed by `code` (no `id`, as documented), the date_type windows the presets
// send, and orders that the deliveries' detail `trade_code` names. (orders.test.ts reads the doc's
// verbatim sample from a stub.)
import { createGuanyiSimulator, GUANYI_NO_FAULTS as NO_FAULTS } from "@qiao/simulators";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rejection as failure, simulatorPolicy as outbound } from "../testing";
import type { ConnectionConfig, ReadRequest, SourcePage } from "../types";
import { guanyi } from "./index";

const DEMO = { appkey: "112194", sessionkey: "754a424bb6874a1fb8a7371f05e83974", secret: "7d3330562019420da7f3098aa630556b" };
const DATASET = { shops: 9, items: 23, deliveries: 40, orders: 55, seed: 11, moneyAsString: false };
const ORDERS = "gy.erp.trade.get";

const sim = createGuanyiSimulator(DATASET);
let baseUrl = "";

beforeAll(async () => {
  baseUrl = await sim.listen(0, "127.0.0.1");
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset(DATASET);
  sim.setFaults(NO_FAULTS);
});

const config = (): ConnectionConfig => ({ baseUrl, credentials: DEMO, outbound, qps: 1000 });

function request(api: string, params: Record<string, unknown> = {}, pageSize = 10): ReadRequest {
  return { api, params: { ...params, page_size: pageSize, page_no: 1 }, pageSize, startPage: 1 };
}

async function readAll(req: ReadRequest): Promise<SourcePage[]> {
  const pages: SourcePage[] = [];
  for await (const page of guanyi.createSource!(config()).readPages(req)) pages.push(page);
  return pages;
}

const records = (pages: SourcePage[]) => pages.flatMap((p) => p.records);

/** `yyyy-MM-dd HH:mm:ss` in Beijing time. */
const beijing = (ms: number) => new Date(ms + 8 * 3600_000).toISOString().slice(0, 19).replace("T", " ");

describe("guanyi source — gy.erp.trade.get from the simulator", () => {
  it("reads every page until total, keyed by code, details and payments nested", async () => {
    const live = sim.state.orders.query({}, 0, 1000).total;
    const pages = await readAll(request(ORDERS, { date_type: 3 }, 20));
    expect(pages.map((p) => p.total)).toEqual(pages.map(() => live));
    expect(pages).toHaveLength(Math.ceil(live / 20));
    const orders = records(pages);
    expect(new Set(orders.map((o) => o.code)).size).toBe(live);
    for (const o of orders) {
      expect(o).not.toHaveProperty("id");
      expect(String(o.code)).toMatch(/^SO\d+$/);
      expect(o).toHaveProperty("createtime");
      expect(o).toHaveProperty("cancle", false);
      for (const line of o.details as { sku_code: string }[]) expect(sim.state.items.findSku(line.sku_code)).toBeDefined();
      for (const p of o.payments as Record<string, unknown>[]) expect(p).toHaveProperty("payCode");
    }
    expect(sim.state.stats.calls).toEqual({ [ORDERS]: pages.length });
    // Cancelled ones too, with has_cancel_data.
    expect(records(await readAll(request(ORDERS, { has_cancel_data: true }, 100)))).toHaveLength(55);
  });

  it("reads a first sync (end_date only) and then what changed since, by 修改时间", async () => {
    const all = records(await readAll(request(ORDERS, { date_type: 3 }, 100)));
    const firstSync = records(await readAll(request(ORDERS, { date_type: 3, end_date: beijing(Date.now()) }, 100)));
    expect(firstSync).toEqual(all);

    const start = beijing(Date.now() - 1000);
    sim.modifyOrders([{ code: String(all[4]!.code), set: { seller_memo: "改过" } }]);
    const since = records(await readAll(request(ORDERS, { date_type: 3, start_date: start, end_date: beijing(Date.now() + 60_000) }, 100)));
    expect(since).toEqual([expect.objectContaining({ code: all[4]!.code, seller_memo: "改过" })]);
  });

  it("finds the order of every delivery by the detail trade_code", async () => {
    const orders = records(await readAll(request(ORDERS, { has_cancel_data: true }, 100)));
    const byCode = new Map(orders.map((o) => [o.code, o]));
    const deliveries = records(await readAll(request("gy.erp.trade.deliverys.get", { del: 1 }, 100)));
    expect(deliveries).toHaveLength(40);
    for (const d of deliveries) {
      const tradeCode = (d.details as { trade_code: string }[])[0]!.trade_code;
      const order = byCode.get(tradeCode);
      expect(order).toMatchObject({ platform_code: d.platform_code, shop_code: d.shop_code });
      expect((order!.deliverys as { code: string }[]).map((x) => x.code)).toEqual([d.code]);
    }
  });

  it("reads money sent as strings unchanged, and surfaces a refused parameter", async () => {
    sim.reset({ moneyAsString: true });
    const [first] = records(await readAll(request(ORDERS, {}, 5)));
    expect(typeof first!.amount).toBe("string");
    const refused = await failure(readAll(request(ORDERS, { date_type: 9 })));
    expect(refused).toMatchObject({ kind: "request", platformCode: "invalid-parameter" });
    expect(refused.message).toContain("date_type");
  });
});
