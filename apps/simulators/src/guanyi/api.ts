// The 管易云 open API as the simulator answers it: one POST endpoint, the method in the body,
// HTTP 200 with `success:false` for every refusal. Codes for the refusals Guanyi does not
// publish are the simulator's own (apps/simulators/README.md § 管易云).
import { parseBeijing } from "./dataset";
import type { DeliveryStore } from "./delivery-store";
import type { ItemStore } from "./item-store";
import type { OrderStore } from "./order-store";
import type { DeliveryQuery } from "./delivery-types";
import type { OrderQuery } from "./order-types";
import type { ShopStore } from "./shop-store";
import { expectedSign, parseOrderedJson, type OrderedJson } from "./signature";
import type { GuanyiTenant } from "./options";

export const GUANYI_ERROR_CODES = {
  badRequest: "invalid-request",
  missingParameter: "missing-parameter",
  badAppkey: "invalid-appkey",
  badSign: "invalid-sign",
  badSessionkey: "invalid-sessionkey",
  badMethod: "invalid-method",
  badParameter: "invalid-parameter",
  throttled: "call-limited",
} as const;

const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 10;

/**
 * Read methods of guanyi.md / guanyi-documents.md and the key of their list. Shops, items,
 * deliveries and orders have data; the rest answer empty.
 */
export const LIST_KEYS: Record<string, string> = {
  "gy.erp.shop.get": "shops",
  "gy.erp.items.get": "items",
  "gy.erp.trade.deliverys.get": "deliverys",
  "gy.erp.vip.get": "vips",
  "gy.erp.trade.get": "orders",
  "gy.erp.supplier.get": "supplier_list",
};

/** What every call may carry besides its business filters: the system params and paging (guanyi.md). */
const COMMON_PARAMS = ["appkey", "sessionkey", "method", "sign", "page_no", "page_size"];

/**
 * The business parameters guanyi-documents.md documents for its three methods; the simulator
 * serves every one of them. Any other key is refused with `invalid-parameter`, whatever its value
 * (our choice: the doc does not say what Guanyi does with a parameter it does not know, and a
 * simulator that ignored one would answer as if a filter had been applied that was not). Shops,
 * members and suppliers (guanyi.md) still ignore unknown keys.
 */
export const DOCUMENTED_PARAMS: Record<string, readonly string[]> = {
  "gy.erp.items.get": ["start_date", "end_date", "code"],
  "gy.erp.trade.deliverys.get": [
    "start_create",
    "end_create",
    "start_delivery_date",
    "end_delivery_date",
    "start_modify_date",
    "end_modify_date",
    "del",
    "code",
    "warehouse_code",
    "shop_code",
    "vip_name",
    "outer_code",
    "delivery",
    "print",
    "scan",
    "cod",
    "wms",
    "mail_no",
    "sync_status",
  ],
  "gy.erp.trade.get": [
    "start_date",
    "end_date",
    "date_type",
    "order_state",
    "warehouse_code",
    "shop_code",
    "vip_name",
    "platform_code",
    "receiver_mobile",
    "code",
    "has_cancel_data",
  ],
};

export class ApiRefusal extends Error {
  constructor(
    readonly code: string,
    readonly desc: string,
    /** The method the body named, echoed as `requestMethod` (for refusals before it was authenticated). */
    readonly method = "",
  ) {
    super(desc);
  }
}

export interface AuthenticatedCall {
  appkey: string;
  method: string;
  params: Record<string, unknown>;
}

/** Decodes the body (raw or URL-encoded JSON) and checks system params, tenant, sign and method. */
export function authenticate(rawBody: string, tenants: GuanyiTenant[]): AuthenticatedCall {
  const text = decodeBody(rawBody);
  let tree: OrderedJson;
  let params: unknown;
  try {
    tree = parseOrderedJson(text);
    params = JSON.parse(text);
  } catch {
    throw new ApiRefusal(GUANYI_ERROR_CODES.badRequest, "请求体不是合法的 JSON");
  }
  if (tree.kind !== "object" || typeof params !== "object" || params === null || Array.isArray(params)) {
    throw new ApiRefusal(GUANYI_ERROR_CODES.badRequest, "请求体必须是一个 JSON 对象");
  }
  const body = params as Record<string, unknown>;
  const named = typeof body.method === "string" ? body.method : "";
  const refuse = (code: string, desc: string) => new ApiRefusal(code, desc, named);
  const missing = ["appkey", "sessionkey", "method", "sign"].filter((k) => typeof body[k] !== "string" || body[k] === "");
  if (missing.length > 0) throw refuse(GUANYI_ERROR_CODES.missingParameter, `缺少系统参数：${missing.join("、")}`);
  const { appkey, sessionkey, method, sign } = body as Record<"appkey" | "sessionkey" | "method" | "sign", string>;

  const tenant = tenants.find((t) => t.appkey === appkey);
  if (!tenant) throw refuse(GUANYI_ERROR_CODES.badAppkey, `appkey 不存在：${appkey}`);
  if (expectedSign(tree, tenant.secret) !== sign.toUpperCase()) throw refuse(GUANYI_ERROR_CODES.badSign, "签名错误：sign 校验失败");
  if (tenant.sessionkey !== sessionkey) throw refuse(GUANYI_ERROR_CODES.badSessionkey, "sessionkey 无效或已过期");
  if (!Object.hasOwn(LIST_KEYS, method)) throw refuse(GUANYI_ERROR_CODES.badMethod, `接口不存在：${method}`);
  return { appkey, method, params: body };
}

/** Raw JSON, or JSON URL-encoded the way `text/json` clients send it (form-style `+` for space). */
function decodeBody(raw: string): string {
  const body = raw.trim();
  if (!/^%7B/i.test(body)) return body;
  try {
    return decodeURIComponent(body.replace(/\+/g, " "));
  } catch {
    throw new ApiRefusal(GUANYI_ERROR_CODES.badRequest, "请求体的 URL 编码无效");
  }
}

/** The documented envelope, keys in the documented order. */
export function envelope(method: string, result?: Record<string, unknown>, failure?: { code: string; desc: string }): Record<string, unknown> {
  return {
    success: !failure,
    errorCode: failure?.code ?? "",
    subErrorCode: "",
    errorDesc: failure?.desc ?? "",
    subErrorDesc: "",
    requestMethod: method,
    ...result,
  };
}

/** What the list methods read. */
export interface GuanyiData {
  shops: ShopStore;
  items: ItemStore;
  deliveries: DeliveryStore;
  orders: OrderStore;
  /** Delivery and order money as strings (the 2025 shape) instead of numbers. */
  moneyAsString: boolean;
}

/**
 * Runs an authenticated list call; throws ApiRefusal for a bad parameter. `pageCap` (> 0): pages
 * hold at most that many rows, whatever page_size asks, and are counted by it (fault `pageCap`).
 */
export function runMethod(call: AuthenticatedCall, data: GuanyiData, pageCap = 0): Record<string, unknown> {
  const listKey = LIST_KEYS[call.method] as string;
  const { params } = call;
  const pageNo = intParam(params, "page_no", 1, 1, Number.MAX_SAFE_INTEGER);
  const asked = intParam(params, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
  const pageSize = pageCap > 0 ? Math.min(asked, pageCap) : asked;
  const offset = (pageNo - 1) * pageSize;
  refuseUnknownParams(call.method, params);
  switch (call.method) {
    case "gy.erp.shop.get": {
      // Shops take either bound alone: guanyi.md does not say they pair.
      const filter = { modifiedFrom: dateParam(params, "modify_start_date"), modifiedTo: dateParam(params, "modify_end_date"), code: textParam(params, "code") };
      const { total, shops } = data.shops.query(filter, offset, pageSize);
      return { [listKey]: shops, total };
    }
    case "gy.erp.items.get": {
      const window = pairedWindow(params, "start_date", "end_date");
      const { total, items } = data.items.query({ ...window, code: textParam(params, "code") }, offset, pageSize);
      return { [listKey]: items, total };
    }
    case "gy.erp.trade.deliverys.get": {
      const { total, deliverys } = data.deliveries.query(deliveryFilter(params), offset, pageSize, data.moneyAsString);
      return { [listKey]: deliverys, total };
    }
    case "gy.erp.trade.get": {
      const { total, orders } = data.orders.query(orderFilter(params), offset, pageSize, data.moneyAsString);
      return { [listKey]: orders, total };
    }
    default:
      return { [listKey]: [], total: 0 };
  }
}

/**
 * A modification window whose bounds the doc says "必须搭配使用": guanyi-documents.md leaves open
 * whether a lone bound is refused; the simulator refuses it (our choice, § Unknown / our choice).
 */
function pairedWindow(params: Record<string, unknown>, startKey: string, endKey: string): { modifiedFrom?: number; modifiedTo?: number } {
  const modifiedFrom = dateParam(params, startKey);
  const modifiedTo = dateParam(params, endKey);
  if ((modifiedFrom === undefined) !== (modifiedTo === undefined)) {
    const [given, missing] = modifiedFrom === undefined ? [endKey, startKey] : [startKey, endKey];
    throw new ApiRefusal(GUANYI_ERROR_CODES.badParameter, `参数 ${startKey} 与 ${endKey} 必须搭配使用：收到 ${given}，缺少 ${missing}`);
  }
  return { modifiedFrom, modifiedTo };
}

/** Refuses the keys a document method does not document (DOCUMENTED_PARAMS); other methods take any. */
function refuseUnknownParams(method: string, params: Record<string, unknown>): void {
  const documented = Object.hasOwn(DOCUMENTED_PARAMS, method) ? DOCUMENTED_PARAMS[method] : undefined;
  if (!documented) return;
  const unknown = Object.keys(params).filter((key) => !COMMON_PARAMS.includes(key) && !documented.includes(key));
  if (unknown.length > 0) {
    throw new ApiRefusal(GUANYI_ERROR_CODES.badParameter, `不支持的参数：${unknown.join("、")}（${method} 没有这些参数，模拟器不会忽略它们）`);
  }
}

/**
 * Every documented filter of gy.erp.trade.deliverys.get (guanyi-documents.md § its parameter table).
 * The modify window is a pair ("必须搭配使用"); the create and delivery windows are not said to be,
 * so either of their bounds may come alone (our choice, delivery-store.ts). Datetimes are
 * `yyyy-MM-dd HH:mm:ss` Beijing time as everywhere in Guanyi, bounds inclusive (our choice).
 * `delivery`, `print`, `scan`, `cod`, `wms` take 0 or 1, `sync_status` -1, 0 or 1, `del` 0 or 1;
 * anything else is refused. What each one matches: delivery-store.ts.
 */
function deliveryFilter(params: Record<string, unknown>): DeliveryQuery {
  const zeroOne = (key: string) => {
    const v = optionalIntParam(params, key, 0, 1);
    return v === undefined ? undefined : v === 1;
  };
  const { modifiedFrom, modifiedTo } = pairedWindow(params, "start_modify_date", "end_modify_date");
  return {
    modifiedFrom,
    modifiedTo,
    createdFrom: dateParam(params, "start_create"),
    createdTo: dateParam(params, "end_create"),
    deliveredFrom: dateParam(params, "start_delivery_date"),
    deliveredTo: dateParam(params, "end_delivery_date"),
    code: textParam(params, "code"),
    shopCode: textParam(params, "shop_code"),
    warehouseCode: textParam(params, "warehouse_code"),
    vipName: textParam(params, "vip_name"),
    outerCode: textParam(params, "outer_code"),
    mailNo: textParam(params, "mail_no"),
    includeCancelled: intParam(params, "del", 0, 0, 1) === 1,
    shipped: zeroOne("delivery"),
    printed: zeroOne("print"),
    scanned: zeroOne("scan"),
    cod: zeroOne("cod"),
    wms: zeroOne("wms"),
    syncStatus: optionalIntParam(params, "sync_status", -1, 1) as DeliveryQuery["syncStatus"],
  };
}

/**
 * The documented filters of gy.erp.trade.get. `start_date` / `end_date` may come alone (the doc does
 * not pair them; our choice, order-store.ts) and filter the time `date_type` names.
 */
function orderFilter(params: Record<string, unknown>): OrderQuery {
  return {
    dateType: intParam(params, "date_type", 0, 0, 3) as OrderQuery["dateType"],
    from: dateParam(params, "start_date"),
    to: dateParam(params, "end_date"),
    orderState: intParam(params, "order_state", 0, 0, 2) as OrderQuery["orderState"],
    code: textParam(params, "code"),
    platformCode: textParam(params, "platform_code"),
    shopCode: textParam(params, "shop_code"),
    warehouseCode: textParam(params, "warehouse_code"),
    vipName: textParam(params, "vip_name"),
    receiverMobile: textParam(params, "receiver_mobile"),
    includeCancelled: boolParam(params, "has_cancel_data"),
  };
}

const absent = (v: unknown) => v === undefined || v === null || v === "";

function intParam(params: Record<string, unknown>, key: string, fallback: number, min: number, max: number): number {
  const v = params[key];
  if (absent(v)) return fallback;
  const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v) ? Number(v) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `不小于 ${min} 的整数` : `${min} 到 ${max} 之间的整数`;
    throw new ApiRefusal(GUANYI_ERROR_CODES.badParameter, `参数 ${key} 应为${range}，收到 ${JSON.stringify(v)}`);
  }
  return n;
}

/** An integer filter with no default: undefined when absent (no check). */
function optionalIntParam(params: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  return absent(params[key]) ? undefined : intParam(params, key, 0, min, max);
}

function dateParam(params: Record<string, unknown>, key: string): number | undefined {
  const v = params[key];
  if (absent(v)) return undefined;
  const seconds = typeof v === "string" ? parseBeijing(v) : undefined;
  if (seconds === undefined) {
    throw new ApiRefusal(GUANYI_ERROR_CODES.badParameter, `参数 ${key} 应为 yyyy-MM-dd HH:mm:ss 格式的时间，收到 ${JSON.stringify(v)}`);
  }
  return seconds;
}

function textParam(params: Record<string, unknown>, key: string): string | undefined {
  const v = params[key];
  if (absent(v)) return undefined;
  if (typeof v === "string" || typeof v === "number") return String(v);
  throw new ApiRefusal(GUANYI_ERROR_CODES.badParameter, `参数 ${key} 应为字符串`);
}

/** A documented bool: true/false, or as clients also send them, "true"/"false", 1/0, "1"/"0". Default false. */
function boolParam(params: Record<string, unknown>, key: string): boolean {
  const v = params[key];
  if (absent(v)) return false;
  if (v === true || v === 1 || v === "true" || v === "1") return true;
  if (v === false || v === 0 || v === "false" || v === "0") return false;
  throw new ApiRefusal(GUANYI_ERROR_CODES.badParameter, `参数 ${key} 应为 true 或 false，收到 ${JSON.stringify(v)}`);
}
