// For the simulator's own HTTP tests: a logged-in client speaking to a running simulator on
// 127.0.0.1 with plain fetch (no connector code involved).
import { afterAll, beforeAll, beforeEach } from "vitest";
import { createKingdeeSimulator, type KingdeeSimulator } from "./index";
export const AUTH = "Kingdee.BOS.WebApi.ServicesStub.AuthService";
export const FORM = "Kingdee.BOS.WebApi.ServicesStub.DynamicFormService";

export interface Status {
  IsSuccess: boolean;
  ErrorCode?: number;
  Errors: { FieldName: string | null; Message: string; DIndex: number }[];
  SuccessEntitys: { Id: number; Number: string; DIndex: number }[];
  MsgCode: number;
}
export interface Envelope {
  Result: { ResponseStatus: Status; Id?: number | ""; Number?: string; Result?: Record<string, unknown> & { FEntity?: Record<string, unknown>[] } };
}

export interface SimClient {
  /** Logs in (ValidateUser) and keeps the session cookies for later calls. */
  login(): Promise<void>;
  call(method: string, body: unknown): Promise<{ status: number; body: unknown }>;
  save(formid: string, model: unknown, data?: Record<string, unknown>): Promise<Envelope>;
  batchSave(formid: string, models: unknown[], data?: Record<string, unknown>): Promise<Envelope>;
  /** ExecuteBillQuery: rows, or the wrapped error envelope. */
  query(data: Record<string, unknown>): Promise<unknown[][]>;
  operate(method: "Submit" | "Audit" | "CancelAssign", formid: string, data: Record<string, unknown>): Promise<Envelope>;
  view(formid: string, data: Record<string, unknown>): Promise<Envelope>;
  admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>>;
}

export function simClient(base: () => string): SimClient {
  let cookie = "";
  const call = async (method: string, body: unknown) => {
    const service = method === "ValidateUser" ? AUTH : FORM;
    const res = await fetch(`${base()}${service}.${method}.common.kdsvc`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Cookie: cookie },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text.startsWith("{") || text.startsWith("[") ? JSON.parse(text) : text, res };
  };
  return {
    async login() {
      const { res } = await call("ValidateUser", { acctID: "qiao-demo", username: "administrator", password: "888888", lcid: 2052 });
      cookie = res.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
    },
    call: (method, body) => call(method, body),
    save: async (formid, model, data = {}) => (await call("Save", { formid, data: { ...data, Model: model } })).body as Envelope,
    batchSave: async (formid, models, data = {}) => (await call("BatchSave", { formid, data: { ...data, Model: models } })).body as Envelope,
    query: async (data) => (await call("ExecuteBillQuery", { data })).body as unknown[][],
    operate: async (method, formid, data) => (await call(method, { formid, data })).body as Envelope,
    view: async (formid, data) => (await call("View", { formid, data })).body as Envelope,
    async admin(method, path, body) {
      const res = await fetch(`${base().replace(/k3cloud\/$/, "")}__admin/${path}`, {
        method,
        headers: { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await res.json()) as Record<string, unknown>;
    },
  };
}

type Row = Record<string, unknown>;
export const row = (material: string, qty: number, extra: Row = {}): Row => ({
  FMaterialID: { FNumber: material },
  FUnitID: { FNumber: "Pcs" },
  FMustQty: qty,
  FRealQty: qty,
  FTaxPrice: 25.0,
  FEntryTaxRate: 13,
  FIsFree: false,
  FStockID: { FNumber: "CK001" },
  FStockStatusID: { FNumber: "KCZT01_SYS" },
  FOwnerTypeID: "BD_OwnerOrg",
  FOwnerID: { FNumber: "100" },
  FEntrynote: "SO842184115601",
  ...extra,
});

/** The doc's Model for one Guanyi delivery (values ours where the doc's are Guanyi's). */
export const outstock = (billNo: string | undefined, rows: Row[] = [row("F01108", 1)], extra: Row = {}): Row => ({
  FID: 0,
  FBillTypeID: { FNUMBER: "XSCKD01_SYS" },
  ...(billNo === undefined ? {} : { FBillNo: billNo }),
  FDate: "2025-03-28",
  FSaleOrgId: { FNumber: "100" },
  FStockOrgId: { FNumber: "100" },
  FCustomerID: { FNumber: "RMSHOP001" },
  FSaleDeptID: { FNumber: "BM000001" },
  FReceiverID: { FNumber: "RMSHOP001" },
  FSettleID: { FNumber: "RMSHOP001" },
  FPayerID: { FNumber: "RMSHOP001" },
  FOwnerTypeIdHead: "BD_OwnerOrg",
  FCarriageNO: "SF3147682322520",
  FNote: "GY s842184115601",
  SubHeadEntity: { FSettleCurrID: { FNumber: "PRE001" }, FSettleOrgID: { FNumber: "100" }, FLocalCurrID: { FNumber: "PRE001" }, FExchangeTypeID: { FNumber: "HLTX01_SYS" }, FExchangeRate: 1.0, FIsIncludedTax: true },
  FEntity: rows,
  ...extra,
});

/** The customer RMSHOP001 and materials F01108, F01109, F01110 the bills refer to, saved over the wire. */
export async function seedParties(client: SimClient): Promise<void> {
  await client.batchSave("BD_Customer", [{ FNumber: "RMSHOP001", FName: "天猫旗舰店", FCreateOrgId: { FNumber: "100" } }], { IsAutoSubmitAndAudit: true });
  const materials = ["F01108", "F01109", "F01110"].map((n) => ({ FCreateOrgId: { FNumber: "100" }, FNumber: n, FName: `物料${n}` }));
  await client.batchSave("BD_MATERIAL", materials, { IsAutoSubmitAndAudit: true });
}

/**
 * A simulator listening on 127.0.0.1 for one test file, reset before each test with a fresh logged-in
 * client (and, with `parties`, the customers and materials the outstock tests name).
 */
export function useSimulator(opts: { parties?: boolean } = {}): { sim: KingdeeSimulator; client: SimClient } {
  const sim = createKingdeeSimulator();
  let base = "";
  const client = simClient(() => base);
  beforeAll(async () => {
    base = await sim.listen(0);
  });
  afterAll(() => sim.close());
  beforeEach(async () => {
    sim.reset();
    await client.login();
    if (opts.parties) await seedParties(client);
  });
  return { sim, client };
}
