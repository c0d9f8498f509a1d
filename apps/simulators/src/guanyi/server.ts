// The 管易云 simulator's HTTP side: POST /rest/erp_open for the API, /__admin/* (JSON) to reset or
// change the dataset, set faults and read counters. Plain node:http.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { ApiRefusal, authenticate, envelope, GUANYI_ERROR_CODES, runMethod } from "./api";
import { DeliveryStore } from "./delivery-store";
import { addDeliveries, addItems, documentAdminSchemas, modifyDeliveries, modifyItems } from "./document-admin";
import { guanyiBaseMs, LatencyDice, sleep } from "../latency";
import { HttpError, readBody, sendJson } from "./http";
import { ItemStore } from "./item-store";
import { addOrders, modifyOrders, orderAdminSchemas } from "./order-admin";
import { OrderStore } from "./order-store";
import {
  defaultOrders,
  DEFAULT_DELIVERIES,
  DEFAULT_ITEMS,
  DEFAULT_SEED,
  DEFAULT_SHOPS,
  faultsSchema,
  GUANYI_DEMO_TENANT,
  MAX_DOCUMENTS,
  NO_FAULTS,
  type GuanyiSimOptions,
} from "./options";
import { ShopStore } from "./shop-store";
import type { GuanyiDataset, GuanyiSimState, GuanyiSimStats, GuanyiSimulator, ShopChange } from "./simulator-types";

export type { GuanyiDataset, GuanyiSimState, GuanyiSimStats, GuanyiSimulator, NewShop, ShopChange } from "./simulator-types";

export const GUANYI_API_PATH = "/rest/erp_open";

const emptyStats = (): GuanyiSimStats => ({
  requests: 0,
  calls: {},
  failures: {},
  throttled: 0,
  errorsInjected: { http500: 0, http502: 0, malformed: 0, dropped: 0 },
});

const nowSeconds = () => Math.floor(Date.now() / 1000);

const shopFieldsSchema = z.object({
  code: z.string().trim().min(1).max(64),
  name: z.string().trim().min(1).max(200),
  nick: z.string().max(200),
  note: z.string().max(1000),
  type_name: z.string().min(1).max(50),
});

const newShopSchema = shopFieldsSchema.partial({ nick: true, note: true, type_name: true }).strict();
const shopChangeSchema = z
  .object({
    id: z.union([z.number().int(), z.string().regex(/^\d+$/)]).optional(),
    code: z.string().min(1).optional(),
    set: shopFieldsSchema.partial().strict().optional(),
  })
  .strict()
  .refine((c) => c.id !== undefined || c.code !== undefined, "需要 id 或 code");

const documentCount = z.number().int().min(0).max(MAX_DOCUMENTS).optional();
const adminSchemas = {
  reset: z
    .object({
      shops: z.number().int().min(0).max(5_000_000).optional(),
      items: documentCount,
      deliveries: documentCount,
      orders: documentCount,
      seed: z.number().int().optional(),
      moneyAsString: z.boolean().optional(),
    })
    .strict(),
  add: z.object({ shops: z.array(newShopSchema).min(1) }).strict(),
  modify: z.object({ shops: z.array(shopChangeSchema).min(1) }).strict(),
};

export function createGuanyiSimulator(options: GuanyiSimOptions = {}): GuanyiSimulator {
  const configured = { shops: options.shops ?? DEFAULT_SHOPS, items: options.items ?? DEFAULT_ITEMS, deliveries: options.deliveries ?? DEFAULT_DELIVERIES, orders: options.orders };
  /** The dataset sizes of a reset: what it names, else the configured ones (orders follow the deliveries). */
  const sized = (dataset: GuanyiDataset = {}) => {
    const deliveries = dataset.deliveries ?? configured.deliveries;
    return { shops: dataset.shops ?? configured.shops, items: dataset.items ?? configured.items, deliveries, orders: dataset.orders ?? configured.orders ?? defaultOrders(deliveries) };
  };
  const state: GuanyiSimState = {
    ...generate(sized(), options.seed ?? DEFAULT_SEED),
    moneyAsString: options.moneyAsString ?? false,
    faults: { ...NO_FAULTS, ...options.faults },
    stats: emptyStats(),
    tenants: [GUANYI_DEMO_TENANT, ...(options.tenants ?? []).filter((t) => t.appkey !== GUANYI_DEMO_TENANT.appkey)],
  };
  /** Times (ms) of accepted calls in the last second, per appkey. */
  const recentCalls = new Map<string, number[]>();
  const latency = new LatencyDice(options.seed ?? DEFAULT_SEED);

  // Stats and faults are changed in place: a call in flight keeps counting into the live objects.
  function resetStats(): void {
    Object.assign(state.stats, emptyStats());
    recentCalls.clear();
  }

  function indexOf(change: ShopChange): number {
    const index = change.id !== undefined ? state.shops.indexOfId(Number(change.id)) : state.shops.indexOfCode(change.code ?? "");
    if (index < 0) throw new HttpError(404, `没有这个店铺：${change.id !== undefined ? `id ${change.id}` : `code ${change.code}`}`);
    return index;
  }

  /** Refuses a batch whose codes collide with each other or with other shops. */
  function assertCodesFree(wanted: { code: string; index: number }[]): void {
    const seen = new Set<string>();
    for (const { code, index } of wanted) {
      const holder = state.shops.indexOfCode(code);
      if (seen.has(code) || (holder >= 0 && holder !== index)) throw new HttpError(409, `店铺代码 ${code} 已存在`);
      seen.add(code);
    }
  }

  const simulator: GuanyiSimulator = {
    state,
    reset(dataset = {}) {
      const seed = dataset.seed ?? state.shops.seed;
      Object.assign(state, generate(sized(dataset), seed));
      if (dataset.moneyAsString !== undefined) state.moneyAsString = dataset.moneyAsString;
      resetStats();
      latency.reset();
    },
    addShops(shops) {
      assertCodesFree(shops.map((s) => ({ code: s.code, index: -1 })));
      const now = nowSeconds();
      return shops.map((s) =>
        state.shops.add({ code: s.code, name: s.name, nick: s.nick ?? s.name, note: s.note ?? "", type_name: s.type_name ?? "其他" }, now),
      );
    },
    modifyShops(changes) {
      const targets = changes.map((c) => ({ index: indexOf(c), set: c.set ?? {} }));
      assertCodesFree(targets.filter((t) => t.set.code !== undefined).map((t) => ({ code: t.set.code as string, index: t.index })));
      const now = nowSeconds();
      return targets.map((t) => state.shops.modify(t.index, t.set, now));
    },
    addItems: (items) => addItems(state, items, nowSeconds()),
    modifyItems: (changes) => modifyItems(state, changes, nowSeconds()),
    addDeliveries: (deliveries) => addDeliveries(state, deliveries, nowSeconds()),
    modifyDeliveries: (changes) => modifyDeliveries(state, changes, nowSeconds()),
    addOrders: (orders) => addOrders(state, orders, nowSeconds()),
    modifyOrders: (changes) => modifyOrders(state, changes, nowSeconds()),
    setFaults(faults) {
      return Object.assign(state.faults, faults);
    },
    resetStats,
    listen: (port, host = "127.0.0.1") =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const { port: actual } = server.address() as AddressInfo;
          resolve(`http://${host.includes(":") ? `[${host}]` : host}:${actual}${GUANYI_API_PATH}`);
        });
      }),
    close: () =>
      new Promise((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };

  /** Counts an accepted call against the appkey's last second; false if that would exceed the QPS. */
  function admit(appkey: string): boolean {
    if (state.faults.throttleNext > 0) {
      state.faults.throttleNext--;
      return false;
    }
    const limit = state.faults.qps;
    if (limit <= 0) return true;
    const now = performance.now();
    const recent = (recentCalls.get(appkey) ?? []).filter((t) => now - t < 1000);
    recentCalls.set(appkey, recent);
    if (recent.length >= limit) return false;
    recent.push(now);
    return true;
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const { stats, faults } = state;
    stats.requests++;
    await sleep(latency.delayMs(faults.latencyMs, guanyiBaseMs(faults.latencyProfile)));

    if (faults.failNext > 0 || (faults.errorRate > 0 && Math.random() < faults.errorRate)) {
      if (faults.failNext > 0) faults.failNext--;
      const status = Math.random() < 0.5 ? 500 : 502;
      stats.errorsInjected[status === 500 ? "http500" : "http502"]++;
      res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
      res.end(status === 500 ? "<html><body><h1>500 Internal Server Error</h1></body></html>" : "<html><body><h1>502 Bad Gateway</h1></body></html>");
      return;
    }

    let answer: Record<string, unknown>;
    let method = "";
    try {
      const call = authenticate(raw, state.tenants);
      method = call.method;
      if (!admit(call.appkey)) {
        stats.throttled++;
        const rule = faults.qps > 0 ? `每个 appkey 每秒最多 ${faults.qps} 次，` : "";
        throw new ApiRefusal(GUANYI_ERROR_CODES.throttled, `调用过于频繁：${rule}请稍后再试`, call.method);
      }
      stats.calls[call.method] = (stats.calls[call.method] ?? 0) + 1;
      answer = envelope(call.method, runMethod(call, state, state.faults.pageCap));
    } catch (e) {
      if (!(e instanceof ApiRefusal)) throw e;
      stats.failures[e.code] = (stats.failures[e.code] ?? 0) + 1;
      answer = envelope(method || e.method, undefined, { code: e.code, desc: e.desc });
    }

    if (faults.dropRate > 0 && Math.random() < faults.dropRate) {
      stats.errorsInjected.dropped++;
      req.socket.destroy();
      return;
    }
    let text = JSON.stringify(answer);
    if (faults.malformedOnce && answer.success === true) {
      faults.malformedOnce = false;
      stats.errorsInjected.malformed++;
      text = text.slice(0, Math.ceil(text.length / 2));
    }
    res.writeHead(200, { "content-type": "application/json;charset=utf-8" });
    res.end(text);
  }

  function sizes() {
    return { shops: state.shops.size, items: state.items.size, deliveries: state.deliveries.size, orders: state.orders.size, seed: state.shops.seed, moneyAsString: state.moneyAsString };
  }

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const route = `${req.method} ${url.pathname.replace(/\/+$/, "")}`;
    const body = async <T>(schema: z.ZodType<T>): Promise<T> => {
      const raw = await readBody(req);
      let json: unknown;
      try {
        json = raw.trim() === "" ? {} : JSON.parse(raw);
      } catch {
        throw new HttpError(400, "请求体不是合法的 JSON");
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        throw new HttpError(400, parsed.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; "));
      }
      return parsed.data;
    };
    switch (route) {
      case "GET /__admin/stats":
        return sendJson(res, 200, { ...state.stats, ...sizes() });
      case "POST /__admin/stats/reset":
        resetStats();
        return sendJson(res, 200, state.stats);
      case "POST /__admin/reset": {
        simulator.reset(await body(adminSchemas.reset));
        return sendJson(res, 200, sizes());
      }
      case "GET /__admin/faults":
        return sendJson(res, 200, state.faults);
      case "PUT /__admin/faults":
      case "POST /__admin/faults":
        return sendJson(res, 200, simulator.setFaults(await body(faultsSchema)));
      case "GET /__admin/shops": {
        const id = url.searchParams.get("id");
        const code = url.searchParams.get("code");
        if (id === null && code === null) throw new HttpError(400, "需要 ?id= 或 ?code=");
        const index = id !== null ? state.shops.indexOfId(Number(id)) : state.shops.indexOfCode(code ?? "");
        if (index < 0) throw new HttpError(404, "没有这个店铺");
        return sendJson(res, 200, { shop: state.shops.get(index) });
      }
      case "POST /__admin/shops":
        return sendJson(res, 201, { shops: simulator.addShops((await body(adminSchemas.add)).shops) });
      case "POST /__admin/shops/modify":
        return sendJson(res, 200, { shops: simulator.modifyShops((await body(adminSchemas.modify)).shops) });
      case "GET /__admin/items": {
        const index = state.items.indexOfCode(url.searchParams.get("code") ?? "");
        if (index < 0) throw new HttpError(404, "没有这个商品（需要 ?code=）");
        return sendJson(res, 200, { item: state.items.get(index) });
      }
      case "POST /__admin/items":
        return sendJson(res, 201, { items: simulator.addItems((await body(documentAdminSchemas.addItems)).items) });
      case "POST /__admin/items/modify":
        return sendJson(res, 200, { items: simulator.modifyItems((await body(documentAdminSchemas.modifyItems)).items) });
      case "GET /__admin/deliveries": {
        const index = state.deliveries.indexOfCode(url.searchParams.get("code") ?? "");
        if (index < 0) throw new HttpError(404, "没有这个发货单（需要 ?code=）");
        return sendJson(res, 200, { delivery: state.deliveries.get(index, state.moneyAsString) });
      }
      case "POST /__admin/deliveries":
        return sendJson(res, 201, { deliveries: simulator.addDeliveries((await body(documentAdminSchemas.addDeliveries)).deliveries) });
      case "POST /__admin/deliveries/modify":
        return sendJson(res, 200, { deliveries: simulator.modifyDeliveries((await body(documentAdminSchemas.modifyDeliveries)).deliveries) });
      case "GET /__admin/orders": {
        const index = state.orders.indexOfCode(url.searchParams.get("code") ?? "");
        if (index < 0) throw new HttpError(404, "没有这个订单（需要 ?code=）");
        return sendJson(res, 200, { order: state.orders.get(index, state.moneyAsString) });
      }
      case "POST /__admin/orders":
        return sendJson(res, 201, { orders: simulator.addOrders((await body(orderAdminSchemas.addOrders)).orders) });
      case "POST /__admin/orders/modify":
        return sendJson(res, 200, { orders: simulator.modifyOrders((await body(orderAdminSchemas.modifyOrders)).orders) });
      default:
        throw new HttpError(404, `没有这个管理接口：${route}`);
    }
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://simulator");
    let handling: Promise<void>;
    if (url.pathname === GUANYI_API_PATH) {
      handling = req.method === "POST" ? handleApi(req, res) : Promise.resolve(sendJson(res, 405, { error: "只接受 POST" }));
    } else if (url.pathname.startsWith("/__admin/")) {
      handling = handleAdmin(req, res, url);
    } else {
      handling = Promise.resolve(sendJson(res, 404, { error: `管易云接口在 ${GUANYI_API_PATH}` }));
    }
    handling.catch((e: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (e instanceof HttpError) return sendJson(res, e.status, { error: e.message });
      sendJson(res, 500, { error: e instanceof Error ? e.message : String(e) });
    });
  });
  server.keepAliveTimeout = 5_000;

  return simulator;
}

/**
 * Shops, items, deliveries and orders from one seed; deliveries and orders name the shops and items
 * made with them, and the first orders are the generated deliveries' orders.
 */
function generate(sizes: Required<Omit<GuanyiDataset, "seed" | "moneyAsString">>, seed: number): Pick<GuanyiSimState, "shops" | "items" | "deliveries" | "orders"> {
  const shops = new ShopStore(sizes.shops, seed);
  const items = new ItemStore(sizes.items, seed);
  const deliveries = new DeliveryStore(sizes.deliveries, seed, shops, items);
  return { shops, items, deliveries, orders: new OrderStore(sizes.orders, seed, shops, items, deliveries) };
}
