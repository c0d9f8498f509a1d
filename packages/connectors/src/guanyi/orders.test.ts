// The guanyi source reading gy.erp.trade.get (订单查询) as guanyi-documents.md documents it. The
// order sample there ([G6]) carries `code` (单据编号 SO…) as its key and no `id` at all; keyed by
// `id`, every page of real orders was refused as a protocol error ("记录缺少 id"). A loopback stub
// serves the doc's own sample record here; orders-simulator.test.ts reads the simulator's orders.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulatorPolicy as outbound } from "../testing";
import type { SourcePage } from "../types";
import { guanyi } from "./index";

const DEMO = { appkey: "112194", sessionkey: "754a424bb6874a1fb8a7371f05e83974", secret: "7d3330562019420da7f3098aa630556b" };

// The order of guanyi-documents.md § gy.erp.trade.get, verbatim (sample response [G6]).
const DOC_ORDER = {
  code: "SO21991541294", order_type_name: "销售订单", platform_code: "SH201608031033146760",
  createtime: "2016-08-03 10:33:22", modifytime: "2016-08-26 16:15:28", dealtime: "2016-08-03 10:33:14",
  paytime: "2016-08-03 10:33:22", approve: true, approveDate: "2016-08-03 10:48:22", cancle: false,
  cod: false, delivery_state: 0, shop_code: "02", shop_name: "康宝旗舰店", warehouse_code: "100",
  warehouse_name: "正品仓", express_code: "YTO", express_name: "圆通速递", vip_code: "6962",
  vip_name: "张兴禹", qty: 1, amount: 200, payment: 180, payment_amount: 200, post_fee: 0,
  cod_fee: 0, discount_fee: 20, post_cost: 0, tax_amount: 0,
  details: [{ oid: null, qty: 1, price: 200, amount: 200, refund: 0, note: "", item_code: "XERW1", item_name: "测试商品-满减", item_simple_name: "", sku_code: "XERW1", sku_name: "Default", post_fee: 0, discount_fee: 20, amount_after: 180, platform_item_name: "XERW1", platform_sku_name: "XERW1", sku_note: "默认属性" }],
  payments: [{ payment: 180, payCode: "", pay_type_name: "预存款", paytime: "2016-08-03 10:33:22" }],
  deliverys: [{ delivery: false, code: "SDO23799674502", warehouse_code: "100", express_code: "YTO", mail_no: "4356464564645" }],
  invoices: [],
};

const stub = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({ success: true, errorCode: "", subErrorCode: "", errorDesc: "", subErrorDesc: "", requestMethod: "gy.erp.trade.get", orders: [DOC_ORDER], total: 1 }));
});
let baseUrl = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => stub.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/rest/erp_open`;
});
afterAll(() => new Promise<void>((resolve) => stub.close(() => resolve())));

describe("guanyi source — gy.erp.trade.get as documented", () => {
  it("reads the doc's order sample (keyed by code, no id) instead of refusing it as a protocol error", async () => {
    const source = guanyi.createSource!({ baseUrl, credentials: DEMO, outbound, qps: 1000, maxRetries: 0 });
    const pages: SourcePage[] = [];
    for await (const page of source.readPages({ api: "gy.erp.trade.get", params: { date_type: 3 }, pageSize: 50, startPage: 1 })) pages.push(page);
    expect(pages).toEqual([{ pageNo: 1, total: 1, records: [DOC_ORDER] }]);
  });

  it("is keyed by code, the documented key of an order", () => {
    const api = guanyi.meta.apis.find((a) => a.id === "gy.erp.trade.get");
    expect(api).toMatchObject({ kind: "source", listKey: "orders", idField: "code" });
  });
});
