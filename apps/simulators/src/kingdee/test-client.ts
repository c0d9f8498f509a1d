// For the simulator's own HTTP tests: a logged-in client speaking to a running simulator on
// 127.0.0.1 with plain fetch (no connector code involved).
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
  operate(method: "Submit" | "Audit", formid: string, data: Record<string, unknown>): Promise<Envelope>;
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
