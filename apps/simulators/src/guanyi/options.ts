// What the 管易云 simulator can be told: tenants, dataset size and seed, and faults to inject.
import { z } from "zod";
import { count, envValue, faultsFromEnv, flag, rate } from "../env";
import { latencyProfileSchema, type LatencyProfile } from "../latency";

export interface GuanyiTenant {
  appkey: string;
  sessionkey: string;
  secret: string;
}

export interface GuanyiFaults {
  /** Added before answering every API call (on top of the profile's time). */
  latencyMs: number;
  /** Per-call answer times of a real server (../latency.ts): `real` = 100 ms ±20 % a call; `none` = 0. */
  latencyProfile: LatencyProfile;
  /** Share (0…1) of API calls answered HTTP 500 or 502 without being processed. */
  errorRate: number;
  /** The next N API calls are answered HTTP 500/502 without being processed (deterministic tests). */
  failNext: number;
  /** Accepted calls per appkey in any one second; above it calls get `call-limited`. 0 = no limit. */
  qps: number;
  /** The next N authenticated calls get `call-limited` whatever the rate (deterministic tests). */
  throttleNext: number;
  /** The next successful answer is cut off mid-JSON; the flag then clears itself. */
  malformedOnce: boolean;
  /** Share (0…1) of API calls whose connection is dropped after they were processed. */
  dropRate: number;
  /**
   * Rows a list page holds at most, whatever page_size asks (0 = page_size, up to 100): a 管易云
   * whose own, unpublished page cap is lower pages by that cap and says nothing.
   */
  pageCap: number;
}

export interface GuanyiSimOptions {
  /** Accepted besides the official demo tenant. */
  tenants?: GuanyiTenant[];
  /** Generated shops (default 200). */
  shops?: number;
  /** Generated items, 商品 (default 50). */
  items?: number;
  /** Generated deliveries, 发货单 (default 200), naming the generated shops and items. */
  deliveries?: number;
  /**
   * Generated orders, 订单 (default: a fifth more than deliveries): the first ones are the orders of
   * the generated deliveries, the rest have no delivery yet.
   */
  orders?: number;
  seed?: number;
  /** Delivery and order money fields as JSON strings, the 2025 shape (default: numbers). */
  moneyAsString?: boolean;
  faults?: Partial<GuanyiFaults>;
}

/** The public demo tenant of guanyi.md; always accepted. */
export const GUANYI_DEMO_TENANT: GuanyiTenant = {
  appkey: "112194",
  sessionkey: "754a424bb6874a1fb8a7371f05e83974",
  secret: "7d3330562019420da7f3098aa630556b",
};

export const DEFAULT_SHOPS = 200;
export const DEFAULT_ITEMS = 50;
export const DEFAULT_DELIVERIES = 200;
/** Items and deliveries are kept as objects (about 5 KB a delivery, 20,000 built in ~1 s), unlike shops: bound them. */
export const MAX_DOCUMENTS = 50_000;
export const DEFAULT_SEED = 20240601;
/** Orders when their number is not configured: one per delivery plus a fifth more without a delivery yet. */
export const defaultOrders = (deliveries: number) => Math.min(MAX_DOCUMENTS, deliveries + Math.ceil(deliveries / 5));

export const NO_FAULTS: GuanyiFaults = { latencyMs: 0, latencyProfile: "none", errorRate: 0, failNext: 0, qps: 0, throttleNext: 0, malformedOnce: false, dropRate: 0, pageCap: 0 };

/** Faults as the admin endpoint and the environment accept them (every key optional). */
export const faultsSchema = z
  .object({
    latencyMs: count,
    latencyProfile: latencyProfileSchema,
    errorRate: rate,
    failNext: count,
    qps: z.coerce.number().min(0),
    throttleNext: count,
    malformedOnce: z.union([z.boolean(), flag]),
    dropRate: rate,
    pageCap: count,
  })
  .partial()
  .strict();

const FAULT_ENV: Record<keyof GuanyiFaults, string> = {
  latencyMs: "GUANYI_SIM_LATENCY_MS",
  latencyProfile: "GUANYI_SIM_LATENCY_PROFILE",
  errorRate: "GUANYI_SIM_ERROR_RATE",
  failNext: "GUANYI_SIM_FAIL_NEXT",
  qps: "GUANYI_SIM_QPS",
  throttleNext: "GUANYI_SIM_THROTTLE_NEXT",
  malformedOnce: "GUANYI_SIM_MALFORMED_ONCE",
  dropRate: "GUANYI_SIM_DROP_RATE",
  pageCap: "GUANYI_SIM_PAGE_CAP",
};

const documents = count.max(MAX_DOCUMENTS, `应不大于 ${MAX_DOCUMENTS}`);
const datasetSchema = z.object({
  GUANYI_SIM_SHOPS: count.default(DEFAULT_SHOPS),
  GUANYI_SIM_ITEMS: documents.default(DEFAULT_ITEMS),
  GUANYI_SIM_DELIVERIES: documents.default(DEFAULT_DELIVERIES),
  GUANYI_SIM_ORDERS: documents.optional(),
  GUANYI_SIM_SEED: z.coerce.number().int().default(DEFAULT_SEED),
  GUANYI_SIM_MONEY_AS_STRING: flag.default(false),
});

/** Reads the GUANYI_SIM_* variables; throws naming the variable if one is invalid. */
export function guanyiOptionsFromEnv(env: NodeJS.ProcessEnv): GuanyiSimOptions {
  const value = (name: string) => envValue(env, name);
  const dataset = datasetSchema.safeParse(Object.fromEntries(Object.keys(datasetSchema.shape).map((name) => [name, value(name)])));
  if (!dataset.success) {
    const issue = dataset.error.issues[0];
    const expected = issue?.path[0] === "GUANYI_SIM_MONEY_AS_STRING" ? "应为 1/0、true/false 或 yes/no" : issue?.code === "too_big" ? issue.message : "应为非负整数";
    throw new Error(`管易云模拟器环境变量 ${issue?.path.join(".")} 无效：${expected}`);
  }

  const faults = faultsFromEnv(env, faultsSchema, FAULT_ENV, "管易云模拟器");

  const tenant = [value("GUANYI_SIM_APPKEY"), value("GUANYI_SIM_SESSIONKEY"), value("GUANYI_SIM_SECRET")];
  if (tenant.some(Boolean) && !tenant.every(Boolean)) {
    throw new Error("管易云模拟器：GUANYI_SIM_APPKEY、GUANYI_SIM_SESSIONKEY、GUANYI_SIM_SECRET 需同时设置");
  }
  const [appkey, sessionkey, secret] = tenant;
  return {
    tenants: appkey && sessionkey && secret ? [{ appkey, sessionkey, secret }] : [],
    shops: dataset.data.GUANYI_SIM_SHOPS,
    items: dataset.data.GUANYI_SIM_ITEMS,
    deliveries: dataset.data.GUANYI_SIM_DELIVERIES,
    ...(dataset.data.GUANYI_SIM_ORDERS === undefined ? {} : { orders: dataset.data.GUANYI_SIM_ORDERS }),
    seed: dataset.data.GUANYI_SIM_SEED,
    moneyAsString: dataset.data.GUANYI_SIM_MONEY_AS_STRING,
    faults,
  };
}
