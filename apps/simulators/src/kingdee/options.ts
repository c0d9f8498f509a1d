// What the 金蝶 simulator can be told: accounts, required fields, session lifetime and faults.
import { z } from "zod";
import { count, envValue, faultsFromEnv, flag, rate } from "../env";
import { latencyProfileSchema, type LatencyProfile } from "../latency";

export interface KingdeeSimAccount {
  /** 数据中心ID (acctID). */
  acctId: string;
  dataCenterName: string;
  username: string;
  /** For ValidateUser. */
  password: string;
  /** For LoginByAppSecret ([acctID, username, appId, appSecret, lcid]). */
  appId: string;
  appSecret: string;
}

/** What can go wrong, and how often. Rates are shares (0…1) of calls, drawn from a seeded generator. */
export interface KingdeeFaults {
  /** Added before answering every service call (on top of the profile's time). */
  latencyMs: number;
  /**
   * Per-call answer times of a real server (../latency.ts): `real` = BatchSave 300 ms + 7 ms a
   * record, login 500 ms, ExecuteBillQuery 150 ms, other calls 200 ms, each ±20 %; `none` = 0.
   */
  latencyProfile: LatencyProfile;
  /** Calls answered with an injected server error (alternately HTTP 500 and a `response_error:` body). */
  errorRate: number;
  /** Injected errors on writes (BatchSave / Save) come AFTER the write was committed. */
  errorAfterCommit: boolean;
  /** Calls answered with MsgCode 14 (call limit), not processed. */
  throttleRate: number;
  /** Every Nth authenticated call finds its session expired (MsgCode 1). 0 = never. */
  sessionExpiryEvery: number;
  /** Calls processed (and committed) whose connection is then destroyed without an answer. */
  dropRate: number;
  /**
   * Every Nth BatchSave waits `slowCommitMs` before it commits, and commits even when the caller
   * has gone meanwhile (timed out, disconnected), as a real server finishing its transaction does.
   * 0 = never.
   */
  slowCommitEvery: number;
  slowCommitMs: number;
}

/** A fault for exactly one upcoming call (deterministic tests); `service` narrows it, e.g. "BatchSave". */
/** `netControl`: MsgCode 13 (网控冲突, another user holds the object), nothing processed. */
/** `http429`: a gateway in front of K/3 Cloud refusing the call (rate limit) before it reaches it. */
export type FaultKind = "http500" | "http429" | "responseError" | "http500AfterCommit" | "responseErrorAfterCommit" | "throttle" | "sessionExpired" | "drop" | "netControl";
export interface QueuedFault {
  fault: FaultKind;
  service?: string;
}

export interface KingdeeSimOptions {
  /** Default: one account, see DEFAULT_ACCOUNT. */
  accounts?: KingdeeSimAccount[];
  /** BD_Customer fields a save must fill (default FName, FCreateOrgId). */
  requiredFields?: string[];
  /** BD_MATERIAL fields a save must fill (default FName, FCreateOrgId). */
  materialRequiredFields?: string[];
  /**
   * SAL_OUTSTOCK keys a save must fill, head and row alike (default FBillTypeID, FDate, FSaleOrgId,
   * FStockOrgId, FCustomerID, FMaterialID, FUnitID, FStockID, FRealQty — a required number must be > 0).
   */
  outstockRequiredFields?: string[];
  /** Stock of every (org, stock, material) not set through the admin API (default 0). */
  openingStock?: number;
  /** Idle lifetime of a session (default 20 minutes, ASP.NET's default). */
  sessionTtlMs?: number;
  faults?: Partial<KingdeeFaults>;
  /** Seed of the fault dice (default 20261128). */
  seed?: number;
}

export const DEFAULT_ACCOUNT: KingdeeSimAccount = {
  acctId: "qiao-demo",
  dataCenterName: "桥演示数据中心",
  username: "administrator",
  password: "888888",
  appId: "240618_qiaoDemoSimulatorApp",
  appSecret: "qiao-demo-app-secret-2052",
};
export const DEFAULT_REQUIRED_FIELDS = ["FName", "FCreateOrgId"];
export const DEFAULT_SESSION_TTL_MS = 20 * 60 * 1000;
export const DEFAULT_SEED = 20261128;

export const NO_FAULTS: KingdeeFaults = {
  latencyMs: 0,
  latencyProfile: "none",
  errorRate: 0,
  errorAfterCommit: false,
  throttleRate: 0,
  sessionExpiryEvery: 0,
  dropRate: 0,
  slowCommitEvery: 0,
  slowCommitMs: 0,
};


/** Faults as the admin endpoint and the environment accept them (every key optional). */
export const faultsSchema = z
  .object({
    latencyMs: count,
    latencyProfile: latencyProfileSchema,
    errorRate: rate,
    errorAfterCommit: z.union([z.boolean(), flag]),
    throttleRate: rate,
    sessionExpiryEvery: count,
    dropRate: rate,
    slowCommitEvery: count,
    slowCommitMs: count,
  })
  .partial()
  .strict();

export const queuedFaultSchema = z
  .object({
    fault: z.enum(["http500", "http429", "responseError", "http500AfterCommit", "responseErrorAfterCommit", "throttle", "sessionExpired", "drop", "netControl"]),
    service: z.string().optional(),
  })
  .strict();

const FAULT_ENV: Record<keyof KingdeeFaults, string> = {
  latencyMs: "KINGDEE_SIM_LATENCY_MS",
  latencyProfile: "KINGDEE_SIM_LATENCY_PROFILE",
  errorRate: "KINGDEE_SIM_ERROR_RATE",
  errorAfterCommit: "KINGDEE_SIM_ERROR_AFTER_COMMIT",
  throttleRate: "KINGDEE_SIM_THROTTLE_RATE",
  sessionExpiryEvery: "KINGDEE_SIM_SESSION_EXPIRY_EVERY",
  dropRate: "KINGDEE_SIM_DROP_RATE",
  slowCommitEvery: "KINGDEE_SIM_SLOW_COMMIT_EVERY",
  slowCommitMs: "KINGDEE_SIM_SLOW_COMMIT_MS",
};

const ACCOUNT_ENV: Record<keyof KingdeeSimAccount, string> = {
  acctId: "KINGDEE_SIM_ACCT_ID",
  dataCenterName: "KINGDEE_SIM_DATA_CENTER_NAME",
  username: "KINGDEE_SIM_USERNAME",
  password: "KINGDEE_SIM_PASSWORD",
  appId: "KINGDEE_SIM_APP_ID",
  appSecret: "KINGDEE_SIM_APP_SECRET",
};

/** Reads the KINGDEE_SIM_* variables (see README); throws naming the variable if one is invalid. */
export function kingdeeOptionsFromEnv(env: NodeJS.ProcessEnv): KingdeeSimOptions {
  const value = (name: string) => envValue(env, name);

  const faults = faultsFromEnv(env, faultsSchema, FAULT_ENV, "金蝶模拟器");

  const account = { ...DEFAULT_ACCOUNT };
  for (const [key, name] of Object.entries(ACCOUNT_ENV) as [keyof KingdeeSimAccount, string][]) {
    account[key] = value(name) ?? account[key];
  }

  const numbers = z
    .object({
      KINGDEE_SIM_SESSION_TTL_MS: z.coerce.number().int().positive().default(DEFAULT_SESSION_TTL_MS),
      KINGDEE_SIM_SEED: z.coerce.number().int().default(DEFAULT_SEED),
      KINGDEE_SIM_OPENING_STOCK: z.coerce.number().int().default(0),
    })
    .safeParse({
      KINGDEE_SIM_SESSION_TTL_MS: value("KINGDEE_SIM_SESSION_TTL_MS"),
      KINGDEE_SIM_SEED: value("KINGDEE_SIM_SEED"),
      KINGDEE_SIM_OPENING_STOCK: value("KINGDEE_SIM_OPENING_STOCK"),
    });
  if (!numbers.success) throw new Error(`金蝶模拟器环境变量 ${numbers.error.issues[0]?.path.join(".")} 无效：应为整数`);

  const list = (name: string) => value(name)?.split(",").map((f) => f.trim()).filter(Boolean);
  return {
    accounts: [account],
    requiredFields: list("KINGDEE_SIM_REQUIRED_FIELDS") ?? DEFAULT_REQUIRED_FIELDS,
    materialRequiredFields: list("KINGDEE_SIM_MATERIAL_REQUIRED_FIELDS"),
    outstockRequiredFields: list("KINGDEE_SIM_OUTSTOCK_REQUIRED_FIELDS"),
    openingStock: numbers.data.KINGDEE_SIM_OPENING_STOCK,
    sessionTtlMs: numbers.data.KINGDEE_SIM_SESSION_TTL_MS,
    seed: numbers.data.KINGDEE_SIM_SEED,
    faults,
  };
}
