// The 金蝶 simulator over HTTP against shared/protocols/kingdee.md: the doc's examples, both body
// shapes, sessions, the BD_Customer rules, fault injection and the admin API. Plain fetch: no
// connector code is involved.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createKingdeeSimulator, kingdeeOptionsFromEnv } from "./index";

const AUTH = "Kingdee.BOS.WebApi.ServicesStub.AuthService";
const FORM = "Kingdee.BOS.WebApi.ServicesStub.DynamicFormService";

const sim = createKingdeeSimulator({ sessionTtlMs: 60_000 });
let base = "";
let cookie = "";

async function post(service: string, body: unknown, headers: Record<string, string> = { Cookie: cookie }): Promise<{ status: number; text: string; json: () => unknown; res: Response }> {
  const res = await fetch(`${base}${service}.common.kdsvc`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text), res };
}

async function login(): Promise<string> {
  const { res } = await post(`${AUTH}.ValidateUser`, { acctID: "qiao-demo", username: "administrator", password: "888888", lcid: 2052 }, {});
  return res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
}

async function admin(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base.replace(/k3cloud\/$/, "")}__admin/${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

const customer = (FNumber: string, extra: Record<string, unknown> = {}) => ({
  FCUSTID: 0,
  FNumber,
  FName: `客户${FNumber}`,
  FCreateOrgId: { FNumber: "100" },
  FUseOrgId: { FNumber: "100" },
  ...extra,
});

function batchSave(models: unknown[], data: Record<string, unknown> = {}) {
  return post(`${FORM}.BatchSave`, { formid: "BD_Customer", data: { IsAutoSubmitAndAudit: true, NeedUpDateFields: [], ...data, Model: models } });
}

beforeAll(async () => {
  base = await sim.listen(0);
});
afterAll(() => sim.close());
beforeEach(async () => {
  sim.reset();
  cookie = await login();
});

describe("the protocol doc's examples", () => {
  it("answers the BatchSave example in the documented shape", async () => {
    const { status, json } = await post(`${FORM}.BatchSave`, {
      formid: "BD_Customer",
      data: {
        IsAutoSubmitAndAudit: true,
        IsVerifyBaseDataField: false,
        NeedUpDateFields: [],
        Model: [{ FCUSTID: 0, FNumber: "SHOP001", FName: "天猫旗舰店", FCreateOrgId: { FNumber: "100" }, FUseOrgId: { FNumber: "100" }, FDescription: "" }],
      },
    });
    expect(status).toBe(200);
    expect(json()).toEqual({
      Result: {
        ResponseStatus: { IsSuccess: true, Errors: [], SuccessEntitys: [{ Id: expect.any(Number), Number: "SHOP001", DIndex: 0 }], SuccessMessages: [], MsgCode: 0 },
        NeedReturnData: [{}],
      },
    });
    expect(sim.store.list()[0]).toMatchObject({ FNumber: "SHOP001", FName: "天猫旗舰店", FCreateOrgId: { FNumber: "100" }, FDocumentStatus: "C" });
  });

  it("answers the ExecuteBillQuery example with a bare 2-D array, [] when nothing matches", async () => {
    const query = { data: { FormId: "BD_Customer", FieldKeys: "FCUSTID,FNumber,FName", FilterString: "FNumber in ('SHOP001','SHOP002')", StartRow: 0, Limit: 2000 } };
    expect((await post(`${FORM}.ExecuteBillQuery`, query)).json()).toEqual([]);
    await batchSave([customer("SHOP002"), customer("SHOP003")]);
    expect((await post(`${FORM}.ExecuteBillQuery`, query)).json()).toEqual([[expect.any(Number), "SHOP002", "客户SHOP002"]]);
  });

  it("answers the View example", async () => {
    await batchSave([customer("SHOP001")]);
    const body = (await post(`${FORM}.View`, { formid: "BD_Customer", data: { Number: "SHOP001" } })).json() as { Result: { Result: Record<string, unknown> } };
    expect(body.Result.Result).toMatchObject({ Number: "SHOP001", Name: [{ Key: 2052, Value: "客户SHOP001" }], DocumentStatus: "C" });
    const byId = (await post(`${FORM}.View`, { formid: "BD_Customer", data: { Id: body.Result.Result.Id } })).json();
    expect(byId).toMatchObject({ Result: { Result: { Number: "SHOP001" } } });
    const missing = (await post(`${FORM}.View`, { formid: "BD_Customer", data: { Number: "NOPE" } })).json();
    expect(missing).toMatchObject({ Result: { ResponseStatus: { IsSuccess: false, MsgCode: 10 } } });
  });

  it("reports a duplicate FNumber with Kingdee's message, MsgCode 11, FieldName and DIndex", async () => {
    await batchSave([customer("SHOP001")]);
    const { json } = await batchSave([customer("SHOP001")]);
    expect(json()).toEqual({
      Result: {
        ResponseStatus: {
          ErrorCode: 500,
          IsSuccess: false,
          Errors: [{ FieldName: "FNumber", Message: "违反字段唯一性要求：编码唯一。[SHOP001]在当前系统中已经被使用。", DIndex: 0 }],
          SuccessEntitys: [],
          SuccessMessages: [],
          MsgCode: 11,
        },
        NeedReturnData: [],
      },
    });
    expect(sim.stats().duplicateAttempts).toBe(1);
  });
});

describe("sessions", () => {
  it("logs in with ValidateUser (named body) and sets both session cookies", async () => {
    const { json, res } = await post(`${AUTH}.ValidateUser`, { acctID: "qiao-demo", username: "administrator", password: "888888", lcid: 2052 }, {});
    const body = json() as Record<string, unknown> & { Context: { SessionId: string } };
    expect(body).toMatchObject({ LoginResultType: 1, IsSuccessByAPI: true, KDSVCSessionId: expect.any(String), Context: { SessionId: expect.any(String) } });
    const names = res.headers.getSetCookie().map((c) => c.split("=")[0]);
    expect(names).toEqual(["kdservice-sessionid", "ASP.NET_SessionId"]);
  });

  it("logs in with the positional parameters of ValidateUser and LoginByAppSecret (array or JSON string)", async () => {
    const legacy = { format: 1, useragent: "ApiClient", rid: "1", timestamp: "2026-11-28", v: "1.0" };
    const byPassword = await post(`${AUTH}.ValidateUser`, { ...legacy, parameters: JSON.stringify(["qiao-demo", "administrator", "888888", 2052]) }, {});
    expect(byPassword.json()).toMatchObject({ LoginResultType: 1 });
    const byApp = await post(`${AUTH}.LoginByAppSecret`, { parameters: ["qiao-demo", "administrator", "240618_qiaoDemoSimulatorApp", "qiao-demo-app-secret-2052", 2052] }, {});
    expect(byApp.json()).toMatchObject({ LoginResultType: 1, IsSuccessByAPI: true });
    const wrongSecret = await post(`${AUTH}.LoginByAppSecret`, { parameters: ["qiao-demo", "administrator", "240618_qiaoDemoSimulatorApp", "nope", 2052] }, {});
    expect(wrongSecret.json()).toMatchObject({ LoginResultType: 0, IsSuccessByAPI: false });
  });

  it("refuses a wrong password and an unknown data center with LoginResultType 0 and a Message", async () => {
    const wrong = await post(`${AUTH}.ValidateUser`, { acctID: "qiao-demo", username: "administrator", password: "x", lcid: 2052 }, {});
    expect(wrong.json()).toMatchObject({ LoginResultType: 0, Message: "用户名或密码错误！" });
    expect(wrong.res.headers.getSetCookie()).toEqual([]);
    const center = await post(`${AUTH}.ValidateUser`, { acctID: "elsewhere", username: "administrator", password: "888888", lcid: 2052 }, {});
    expect(center.json()).toMatchObject({ LoginResultType: 0, Message: expect.any(String) });
    expect(sim.stats().loginFailures).toBe(2);
  });

  it("answers a call without a session with HTTP 200 and the documented MsgCode 1 envelope (wrapped for ExecuteBillQuery)", async () => {
    const save = await post(`${FORM}.BatchSave`, { formid: "BD_Customer", data: { Model: [customer("A")] } }, {});
    expect(save.status).toBe(200);
    expect(save.json()).toMatchObject({ Result: { ResponseStatus: { IsSuccess: false, MsgCode: 1, Errors: [{ Message: "会话信息已丢失，请重新登录" }] } } });
    const query = await post(`${FORM}.ExecuteBillQuery`, { data: { FormId: "BD_Customer", FieldKeys: "FNumber" } }, {});
    expect(query.json()).toMatchObject([[{ Result: { ResponseStatus: { IsSuccess: false, MsgCode: 1 } } }]]);
    expect(sim.store.size).toBe(0);
  });

  it("accepts the session from the kdservice-sessionid header alone", async () => {
    const kd = /kdservice-sessionid=([^;]+)/.exec(cookie)![1]!;
    const { json } = await post(`${FORM}.ExecuteBillQuery`, { data: { FormId: "BD_Customer", FieldKeys: "FNumber" } }, { "kdservice-sessionid": kd });
    expect(json()).toEqual([]);
  });

  it("expires idle sessions after the configured lifetime, and on Logout", async () => {
    const short = createKingdeeSimulator({ sessionTtlMs: 250 });
    const url = await short.listen(0);
    try {
      const call = (c: string) =>
        fetch(`${url}${FORM}.ExecuteBillQuery.common.kdsvc`, { method: "POST", headers: { Cookie: c }, body: JSON.stringify({ data: { FormId: "BD_Customer", FieldKeys: "FNumber" } }) }).then((r) => r.json());
      const res = await fetch(`${url}${AUTH}.ValidateUser.common.kdsvc`, { method: "POST", body: JSON.stringify({ acctID: "qiao-demo", username: "administrator", password: "888888", lcid: 2052 }) });
      const c = res.headers.getSetCookie().map((x) => x.split(";")[0]).join("; ");
      expect(await call(c)).toEqual([]);
      await new Promise((r) => setTimeout(r, 350));
      expect(await call(c)).toMatchObject([[{ Result: { ResponseStatus: { MsgCode: 1 } } }]]);
    } finally {
      await short.close();
    }
    expect((await post(`${AUTH}.Logout`, {})).json()).toBe(true);
    expect((await batchSave([customer("A")])).json()).toMatchObject({ Result: { ResponseStatus: { MsgCode: 1 } } });
  });
});

describe("BD_Customer", () => {
  it("accepts the legacy body shape: parameters as a JSON string, data as a JSON string, booleans as strings", async () => {
    const data = JSON.stringify({ IsAutoSubmitAndAudit: "false", IsVerifyBaseDataField: "true", NeedUpDateFields: [], Model: [customer("LEGACY1")] });
    const { json } = await post(`${FORM}.BatchSave`, { format: 1, useragent: "ApiClient", rid: "42", parameters: JSON.stringify(["BD_Customer", data]), timestamp: "2026-11-28 12:00:00", v: "1.0" });
    expect(json()).toMatchObject({ Result: { ResponseStatus: { IsSuccess: true, SuccessEntitys: [{ Number: "LEGACY1", DIndex: 0 }] } } });
    expect(sim.store.list()[0]).toMatchObject({ FNumber: "LEGACY1", FDocumentStatus: "A" });
    const named = await post(`${FORM}.BatchSave`, { formid: "BD_Customer", data: JSON.stringify({ Model: [customer("NAMED1")] }) });
    expect(named.json()).toMatchObject({ Result: { ResponseStatus: { IsSuccess: true } } });
  });

  it("saves the valid records of a mixed batch and reports both lists by DIndex", async () => {
    await batchSave([customer("TAKEN")]);
    const { json } = await batchSave([customer("OK1"), customer("TAKEN"), { FNumber: "NONAME", FCreateOrgId: { FNumber: "100" } }, customer("OK2")]);
    const status = (json() as { Result: { ResponseStatus: Record<string, unknown> } }).Result.ResponseStatus;
    expect(status).toMatchObject({ ErrorCode: 500, IsSuccess: false, MsgCode: 11 });
    expect(status.SuccessEntitys).toEqual([
      { Id: expect.any(Number), Number: "OK1", DIndex: 0 },
      { Id: expect.any(Number), Number: "OK2", DIndex: 3 },
    ]);
    expect(status.Errors).toEqual([
      { FieldName: "FNumber", Message: "违反字段唯一性要求：编码唯一。[TAKEN]在当前系统中已经被使用。", DIndex: 1 },
      { FieldName: "FName", Message: "字段“客户名称”是必填项。", DIndex: 2 },
    ]);
    expect(sim.store.list().map((c) => c.FNumber)).toEqual(["TAKEN", "OK1", "OK2"]);
  });

  it("counts a number repeated inside one batch as a duplicate attempt", async () => {
    const { json } = await batchSave([customer("TWICE"), customer("TWICE")]);
    expect(json()).toMatchObject({ Result: { ResponseStatus: { SuccessEntitys: [{ DIndex: 0 }], Errors: [{ FieldName: "FNumber", DIndex: 1 }] } } });
    expect(sim.stats().duplicateAttempts).toBe(1);
  });

  it("assigns CUST0001… when FNumber is absent", async () => {
    const { json } = await batchSave([{ FName: "甲", FCreateOrgId: { FNumber: "100" } }, { FName: "乙", FCreateOrgId: { FNumber: "100" } }]);
    expect(json()).toMatchObject({ Result: { ResponseStatus: { SuccessEntitys: [{ Number: "CUST0001" }, { Number: "CUST0002" }] } } });
  });

  it("wants base data as {FNumber}, and checks it exists only when IsVerifyBaseDataField is true", async () => {
    const plain = await batchSave([{ ...customer("P1"), FCreateOrgId: "100" }]);
    expect(plain.json()).toMatchObject({ Result: { ResponseStatus: { MsgCode: 8, Errors: [{ FieldName: "FCreateOrgId", DIndex: 0 }] } } });
    const unknownOrg = customer("P2", { FCreateOrgId: { FNumber: "999" }, FTRADINGCURRID: { FNumber: "PRE001" } });
    const verified = await batchSave([unknownOrg], { IsVerifyBaseDataField: true });
    expect(verified.json()).toMatchObject({ Result: { ResponseStatus: { MsgCode: 9, Errors: [{ FieldName: "FCreateOrgId", Message: "字段“创建组织”的值“999”在系统中不存在或未审核。" }] } } });
    const unverified = await batchSave([unknownOrg], { IsVerifyBaseDataField: "false" });
    expect(unverified.json()).toMatchObject({ Result: { ResponseStatus: { IsSuccess: true } } });
  });

  it("makes the required fields configurable", async () => {
    const strict = createKingdeeSimulator({ requiredFields: ["FName", "FCreateOrgId", "FTRADINGCURRID"] });
    const result = strict.store.save([{ FNumber: "X", FName: "x", FCreateOrgId: { FNumber: "100" } }], { needUpdateFields: [], verifyBaseData: false, validate: true, autoSubmitAndAudit: true });
    expect(result.errors).toMatchObject([{ FieldName: "FTRADINGCURRID", Message: "字段“结算币别”是必填项。" }]);
    expect(strict.store.size).toBe(0);
  });

  it("updates by FCUSTID: NeedUpDateFields limits the change, an empty list replaces the record", async () => {
    await batchSave([customer("U1", { FDescription: "旧", FTEL: "123" })]);
    const id = sim.store.list()[0]!.FCUSTID;
    await batchSave([{ FCUSTID: id, FName: "新名字", FDescription: "被忽略" }], { NeedUpDateFields: ["FName"] });
    expect(sim.store.list()[0]).toMatchObject({ FCUSTID: id, FNumber: "U1", FName: "新名字", FDescription: "旧", FTEL: "123" });
    await batchSave([{ FCUSTID: id, FNumber: "U1", FName: "全量", FCreateOrgId: { FNumber: "100" } }]);
    expect(sim.store.list()[0]).toMatchObject({ FName: "全量" });
    expect(sim.store.list()[0]!.FTEL).toBeUndefined();
    const missing = await batchSave([{ FCUSTID: 999999, FName: "x", FCreateOrgId: { FNumber: "100" } }]);
    expect(missing.json()).toMatchObject({ Result: { ResponseStatus: { MsgCode: 10, Errors: [{ FieldName: "FCUSTID" }] } } });
    expect(sim.stats().duplicateAttempts).toBe(0);
  });

  it("Save takes one Model object and answers Id and Number", async () => {
    const { json } = await post(`${FORM}.Save`, { formid: "BD_Customer", data: { Model: customer("S1") } });
    expect(json()).toMatchObject({ Result: { ResponseStatus: { IsSuccess: true }, Id: expect.any(Number), Number: "S1" } });
  });

  it("queries with FieldKeys in any case, base-data sub-fields, =, like, StartRow and Limit (at most 2000)", async () => {
    await batchSave(Array.from({ length: 5 }, (_, i) => customer(`Q${i}`, { FName: i % 2 ? "天猫店" : "京东店" })));
    const query = (data: Record<string, unknown>) => post(`${FORM}.ExecuteBillQuery`, { data: { FormId: "BD_Customer", ...data } }).then((r) => r.json());
    expect(await query({ FieldKeys: "fnumber,FCreateOrgId.FNumber,FCreateOrgId.FName", FilterString: "FNumber = 'Q1'" })).toEqual([["Q1", "100", "总公司"]]);
    expect(await query({ FieldKeys: "FNumber", FilterString: "FName like '天猫%'" })).toEqual([["Q1"], ["Q3"]]);
    expect(await query({ FieldKeys: "FNumber", StartRow: 1, Limit: 2 })).toEqual([["Q1"], ["Q2"]]);
    expect(await query({ FieldKeys: "FNumber", OrderString: "FNumber DESC", Limit: 5000 })).toHaveLength(5);
    expect(await query({ FieldKeys: "FNumber", FilterString: "FNumber in ('Q0','Q4') and FName = '京东店'" })).toEqual([["Q0"], ["Q4"]]);
    expect(await query({ FieldKeys: "FNope" })).toMatchObject([[{ Result: { ResponseStatus: { IsSuccess: false, MsgCode: 9 } } }]]);
    expect(await query({ FieldKeys: "FNumber", FilterString: "FNumber in ('a'" })).toMatchObject([[{ Result: { ResponseStatus: { MsgCode: 8 } } }]]);
  });

  it("escapes quotes in filter strings the SQL way", async () => {
    await batchSave([customer("O'NEIL")]);
    const rows = await post(`${FORM}.ExecuteBillQuery`, { data: { FormId: "BD_Customer", FieldKeys: "FNumber", FilterString: "FNumber in ('O''NEIL')" } });
    expect(rows.json()).toEqual([["O'NEIL"]]);
  });
});

describe("fault injection", () => {
  it("slow commits: every Kth BatchSave commits after D ms, even when the caller has gone (set through /__admin/faults)", async () => {
    expect(await admin("PUT", "faults", { slowCommitEvery: 2, slowCommitMs: 400 })).toMatchObject({ faults: { slowCommitEvery: 2, slowCommitMs: 400 } });
    await batchSave([customer("S1")]);
    // The 2nd BatchSave: the caller gives up after 100 ms, the server commits at 400 ms all the same.
    const gaveUp = await fetch(`${base}${FORM}.BatchSave.common.kdsvc`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Cookie: cookie },
      body: JSON.stringify({ formid: "BD_Customer", data: { Model: [customer("S2")] } }),
      signal: AbortSignal.timeout(100),
    }).then(
      () => "answered",
      (e: unknown) => (e as Error).name,
    );
    expect(gaveUp).toBe("TimeoutError");
    expect(sim.store.list().map((c) => c.FNumber)).not.toContain("S2");
    // The client logs out meanwhile (its attempt is over): the transaction under way still commits.
    await post(`${AUTH}.Logout`, {});
    await new Promise((r) => setTimeout(r, 500));
    expect(sim.store.list().map((c) => c.FNumber)).toContain("S2");
    expect(sim.stats()).toMatchObject({ slowCommits: 1, duplicateAttempts: 0 });
    expect(kingdeeOptionsFromEnv({ KINGDEE_SIM_SLOW_COMMIT_EVERY: "3", KINGDEE_SIM_SLOW_COMMIT_MS: "2500" }).faults).toMatchObject({ slowCommitEvery: 3, slowCommitMs: 2500 });
  });

  it("throttles with MsgCode 14 without processing the call", async () => {
    sim.injectNext({ fault: "throttle", service: "BatchSave" });
    const { status, json } = await batchSave([customer("T1")]);
    expect(status).toBe(200);
    expect(json()).toMatchObject({ Result: { ResponseStatus: { IsSuccess: false, MsgCode: 14 } } });
    expect(sim.store.size).toBe(0);
  });

  it("answers HTTP 500 or a response_error: body, before or after committing", async () => {
    sim.injectNext({ fault: "http500" }, { fault: "responseError" }, { fault: "http500AfterCommit" }, { fault: "responseErrorAfterCommit" });
    expect((await batchSave([customer("E1")])).status).toBe(500);
    expect((await batchSave([customer("E2")])).text).toMatch(/^response_error:/);
    expect(sim.store.size).toBe(0);
    expect((await batchSave([customer("E3")])).status).toBe(500);
    expect((await batchSave([customer("E4")])).text).toMatch(/^response_error:/);
    expect(sim.store.list().map((c) => c.FNumber)).toEqual(["E3", "E4"]);
  });

  it("drops the connection after committing (the unknown-outcome case)", async () => {
    sim.injectNext({ fault: "drop", service: "BatchSave" });
    await expect(batchSave([customer("D1")])).rejects.toThrow();
    expect(sim.store.list().map((c) => c.FNumber)).toEqual(["D1"]);
    expect(sim.stats().faultsInjected).toEqual({ drop: 1 });
  });

  it("expires the session every N authenticated calls", async () => {
    sim.setFaults({ sessionExpiryEvery: 3 });
    const query = () => post(`${FORM}.ExecuteBillQuery`, { data: { FormId: "BD_Customer", FieldKeys: "FNumber" } }).then((r) => r.json());
    expect(await query()).toEqual([]);
    expect(await query()).toEqual([]);
    expect(await query()).toMatchObject([[{ Result: { ResponseStatus: { MsgCode: 1 } } }]]);
    cookie = await login();
    expect(await query()).toEqual([]);
  });

  it("draws rate-based faults from a seeded generator", async () => {
    sim.setFaults({ errorRate: 0.5 });
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await batchSave([customer(`R${i}`)])).status);
    const injected = sim.stats().faultsInjected;
    expect((injected.http500 ?? 0) + (injected.responseError ?? 0)).toBeGreaterThan(3);
    expect(sim.store.size).toBe(20 - (injected.http500 ?? 0) - (injected.responseError ?? 0));
    sim.reset();
    cookie = await login();
    sim.setFaults({ errorRate: 0.5 });
    const again: number[] = [];
    for (let i = 0; i < 20; i++) again.push((await batchSave([customer(`R${i}`)])).status);
    expect(again).toEqual(statuses);
  });

  it("adds latency", async () => {
    sim.setFaults({ latencyMs: 50 });
    const started = Date.now();
    await batchSave([customer("L1")]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});

describe("admin API", () => {
  it("inspects, pre-creates, deletes, sets faults and resets", async () => {
    expect(await admin("POST", "customers", { customers: [{ FNumber: "PRE1", FName: "已有客户" }, { FNumber: "PRE2" }] })).toMatchObject({
      created: [{ Number: "PRE1" }, { Number: "PRE2" }],
      rejected: [],
    });
    await batchSave([customer("PRE1")]);
    expect(await admin("GET", "stats")).toMatchObject({ customers: 2, duplicateAttempts: 1, logins: 1, calls: { ValidateUser: 1, BatchSave: 1 } });
    expect(await admin("GET", "customers")).toMatchObject({ customers: [{ FNumber: "PRE1" }, { FNumber: "PRE2" }] });
    expect(await admin("DELETE", "customers", { numbers: ["PRE1", "NOPE"] })).toEqual({ deleted: 1 });
    expect(await admin("POST", "faults", { throttleRate: 0.5, next: [{ fault: "drop", service: "BatchSave" }] })).toMatchObject({
      faults: { throttleRate: 0.5 },
      next: [{ fault: "drop", service: "BatchSave" }],
    });
    expect(await admin("PUT", "faults", { bogus: 1 })).toMatchObject({ error: "参数无效" });
    await admin("POST", "sessions/expire");
    expect(await admin("GET", "stats")).toMatchObject({ sessions: 0 });
    expect(await admin("POST", "reset")).toMatchObject({ customers: 0, duplicateAttempts: 0, logins: 0, faults: { throttleRate: 0 }, queuedFaults: [] });
  });
});

describe("kingdeeOptionsFromEnv", () => {
  it("reads accounts, required fields and faults, and names a bad variable", () => {
    const options = kingdeeOptionsFromEnv({
      KINGDEE_SIM_PASSWORD: "secret",
      KINGDEE_SIM_REQUIRED_FIELDS: "FName, FCreateOrgId,FTRADINGCURRID",
      KINGDEE_SIM_ERROR_RATE: "0.1",
      KINGDEE_SIM_ERROR_AFTER_COMMIT: "1",
      KINGDEE_SIM_SESSION_EXPIRY_EVERY: "100",
    });
    expect(options.accounts).toMatchObject([{ acctId: "qiao-demo", username: "administrator", password: "secret" }]);
    expect(options.requiredFields).toEqual(["FName", "FCreateOrgId", "FTRADINGCURRID"]);
    expect(options.faults).toEqual({ errorRate: 0.1, errorAfterCommit: true, sessionExpiryEvery: 100 });
    expect(() => kingdeeOptionsFromEnv({ KINGDEE_SIM_DROP_RATE: "2" })).toThrow(/KINGDEE_SIM_DROP_RATE/);
  });
});
