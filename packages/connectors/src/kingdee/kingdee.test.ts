// The 金蝶 client against the Kingdee simulator (written separately from the same protocol doc):
// logins, sessions, per-record outcomes, upsert, throttling, and writes whose outcome is unknown.
import { createKingdeeSimulator } from "@qiao/simulators";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../errors";
import { rejection, simulatorPolicy as outbound } from "../testing";
import type { CallObservation } from "../observer";
import type { ConnectionConfig, WriteOutcome, WriteRequest } from "../types";
import { kingdee } from "./index";
import { kingdeeCredentialsSchema } from "./meta";

const sim = createKingdeeSimulator({});
let baseUrl = "";

const password = { acctId: "qiao-demo", username: "administrator", password: "888888" };
const appSecret = { authType: "appSecret", acctId: "qiao-demo", username: "administrator", appId: "240618_qiaoDemoSimulatorApp", appSecret: "qiao-demo-app-secret-2052" };

const config = (extra: Partial<ConnectionConfig> = {}): ConnectionConfig => ({ baseUrl, credentials: password, outbound, qps: 1000, ...extra });
const target = (extra: Partial<ConnectionConfig> = {}) => kingdee.createTarget!(config(extra));

const shop = (FNumber: string, extra: Record<string, unknown> = {}) => ({ FNumber, FName: `店铺${FNumber}`, FCreateOrgId: "100", FUseOrgId: "100", FDescription: "", ...extra });
const request = (records: Record<string, unknown>[], mode: WriteRequest["mode"] = "create", options: Record<string, unknown> = {}): WriteRequest => ({
  api: "batchSave",
  formId: "BD_Customer",
  records,
  options: { IsAutoSubmitAndAudit: true, IsVerifyBaseDataField: false, ...options },
  mode,
});
const idOf = (number: string) => String(sim.store.list().find((c) => c.FNumber === number)?.FCUSTID);

beforeAll(async () => {
  baseUrl = await sim.listen(0);
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

describe("metadata", () => {
  it("declares the 客户新增 target with its base-data fields, options and batch limits", () => {
    const [api] = kingdee.meta.apis;
    expect(kingdee.meta).toMatchObject({ platform: "kingdee", name: "金蝶云星空", nameEn: "Kingdee K/3 Cloud", baseUrl: { placeholder: "https://erp.example.com/k3cloud/" } });
    expect(api).toMatchObject({ kind: "target", id: "batchSave", name: "客户新增", formId: "BD_Customer", numberField: "FNumber", idField: "FCUSTID", batch: { defaultSize: 100, maxSize: 1000 }, writeModes: ["create", "upsert"] });
    if (api?.kind !== "target") throw new Error("expected a target API");
    expect(api.fields.filter((f) => f.required).map((f) => f.key)).toEqual(["FName", "FCreateOrgId"]);
    expect(api.fields.filter((f) => f.baseData).map((f) => f.key)).toEqual(expect.arrayContaining(["FCreateOrgId", "FUseOrgId", "FTRADINGCURRID", "FCOUNTRY", "FGroup"]));
    expect(Object.fromEntries(api.options.map((o) => [o.key, o.default]))).toMatchObject({ IsAutoSubmitAndAudit: true, IsVerifyBaseDataField: false, NumberSearch: true, ValidateFlag: true, IsDeleteEntry: true, IsEntryBatchFill: true });
    expect(kingdee.meta.credentialFields.filter((f) => f.secret).map((f) => f.key)).toEqual(["password", "appSecret"]);
  });
});

describe("logging in", () => {
  it("logs in with ValidateUser and reports the data center, then logs out", async () => {
    expect(await kingdee.testConnection(config())).toEqual({ message: "已登录数据中心 桥演示数据中心（qiao-demo）", messageEn: 'logged in to data center "桥演示数据中心" (qiao-demo)' });
    expect(sim.stats()).toMatchObject({ logins: 1, sessions: 0, calls: { ValidateUser: 1, Logout: 1 } });
  });

  it("logs in with LoginByAppSecret", async () => {
    expect(await kingdee.testConnection(config({ credentials: appSecret }))).toEqual({ message: "已登录数据中心 桥演示数据中心（qiao-demo）", messageEn: 'logged in to data center "桥演示数据中心" (qiao-demo)' });
    expect(sim.stats().calls).toMatchObject({ LoginByAppSecret: 1 });
  });

  it("turns a wrong password into an auth error carrying Kingdee's message", async () => {
    const error = await rejection(kingdee.testConnection(config({ credentials: { ...password, password: "wrong" } })));
    expect(error).toMatchObject({ kind: "auth", platformMessage: "用户名或密码错误！", platformCode: "0" });
    expect(error.message).toContain("用户名或密码错误！");
    expect(sim.stats().calls.ValidateUser).toBe(1);
  });

  it("asks for the fields the chosen login method needs", () => {
    expect(kingdeeCredentialsSchema.safeParse({ acctId: "a", username: "u" }).error?.issues.map((i) => i.path.join("."))).toEqual(["password"]);
    expect(kingdeeCredentialsSchema.safeParse({ acctId: "a", username: "u", authType: "appSecret", appId: "" }).error?.issues.map((i) => i.path.join("."))).toEqual([
      "appId",
      "appSecret",
    ]);
    expect(kingdeeCredentialsSchema.parse({ acctId: "a", username: "u", password: "p", lcid: "1033" })).toMatchObject({ authType: "password", lcid: 1033 });
    expect(() => kingdee.createTarget!(config({ credentials: { acctId: "a" } }))).toThrow(ConnectorError);
  });

  it("logs in once for concurrent calls, and again exactly once when the session is lost", async () => {
    const client = target();
    await Promise.all([client.findExisting("BD_Customer", ["A"]), client.findExisting("BD_Customer", ["B"]), client.write(request([shop("C")]))]);
    expect(sim.stats().logins).toBe(1);
    sim.expireSessions();
    const outcomes = await client.write(request([shop("D")]));
    expect(outcomes).toMatchObject([{ ok: true, targetNumber: "D" }]);
    expect(sim.stats()).toMatchObject({ logins: 2, calls: { BatchSave: 3 } });
    sim.injectNext({ fault: "sessionExpired", service: "ExecuteBillQuery" });
    expect(await client.findExisting("BD_Customer", ["C", "D"])).toEqual(new Map([["C", idOf("C")], ["D", idOf("D")]]));
    expect(sim.stats().logins).toBe(3);
  });

  it("gives up with an auth error when the session is lost again right after logging in", async () => {
    sim.injectNext({ fault: "sessionExpired", service: "BatchSave" }, { fault: "sessionExpired", service: "BatchSave" });
    const error = await rejection(target().write(request([shop("A")])));
    expect(error).toMatchObject({ kind: "auth", platformCode: "1", platformMessage: "会话信息已丢失，请重新登录" });
    expect(sim.stats().logins).toBe(2);
  });
});

describe("writing customers", () => {
  it("wraps base data on the wire and returns Id and Number per record", async () => {
    const outcomes = await target().write(request([shop("SHOP001", { FTRADINGCURRID: "PRE001", FCOUNTRY: { FNumber: "China" }, FGroup: null })]));
    expect(outcomes).toEqual([{ ok: true, index: 0, targetId: idOf("SHOP001"), targetNumber: "SHOP001", response: expect.anything() }]);
    expect(sim.store.list()[0]).toMatchObject({
      FCreateOrgId: { FNumber: "100" },
      FUseOrgId: { FNumber: "100" },
      FTRADINGCURRID: { FNumber: "PRE001" },
      FCOUNTRY: { FNumber: "China" },
      FGroup: null,
      FDescription: "",
      FDocumentStatus: "C",
    });
  });

  it("fails only the record whose FNumber is taken, with Kingdee's message", async () => {
    sim.store.preCreate([{ FNumber: "TAKEN" }]);
    const outcomes = await target().write(request([shop("NEW1"), shop("TAKEN")]));
    expect(outcomes[0]).toMatchObject({ ok: true, index: 0, targetNumber: "NEW1" });
    expect(outcomes[1]).toEqual({
      ok: false,
      index: 1,
      field: "FNumber",
      message: "违反字段唯一性要求：编码唯一。[TAKEN]在当前系统中已经被使用。",
      code: "11",
      errorClass: "data",
      response: [{ FieldName: "FNumber", Message: "违反字段唯一性要求：编码唯一。[TAKEN]在当前系统中已经被使用。", DIndex: 1 }],
    });
  });

  it("matches a mixed batch's outcomes by DIndex", async () => {
    sim.store.preCreate([{ FNumber: "DUP" }]);
    const outcomes = await target().write(
      request([shop("M0"), { FNumber: "M1", FCreateOrgId: "100" }, shop("DUP"), shop("M3", { FCreateOrgId: "999" }), shop("M4")], "create", { IsVerifyBaseDataField: true }),
    );
    expect(outcomes.map((o) => [o.index, o.ok, o.ok ? o.targetNumber : o.unknown ? "unknown" : o.field])).toEqual([
      [0, true, "M0"],
      [1, false, "FName"],
      [2, false, "FNumber"],
      [3, false, "FCreateOrgId"],
      [4, true, "M4"],
    ]);
    expect((outcomes[1] as Extract<WriteOutcome, { ok: false }>).message).toBe("字段“客户名称”是必填项。");
    expect(sim.store.size).toBe(3);
  });

  it("upserts: existing numbers are updated through FCUSTID and NeedUpDateFields, new ones created", async () => {
    const [existing] = sim.store.preCreate([{ FNumber: "OLD", FName: "旧名字", FTEL: "0571-1234" }]).created;
    const outcomes = await target().write(request([{ FNumber: "OLD", FName: "新名字", FCreateOrgId: "100" }, shop("NEW")], "upsert"));
    expect(outcomes).toMatchObject([
      { ok: true, index: 0, targetId: String(existing!.Id), targetNumber: "OLD" },
      { ok: true, index: 1, targetId: idOf("NEW"), targetNumber: "NEW" },
    ]);
    expect(sim.store.list().find((c) => c.FNumber === "OLD")).toMatchObject({ FCUSTID: existing!.Id, FName: "新名字", FTEL: "0571-1234" });
    expect(sim.stats()).toMatchObject({ customers: 2, duplicateAttempts: 0, calls: { ExecuteBillQuery: 1, BatchSave: 2 } });
  });

  it("backs off when throttled (MsgCode 14), then succeeds", async () => {
    sim.injectNext({ fault: "throttle", service: "BatchSave" }, { fault: "throttle", service: "BatchSave" });
    const started = Date.now();
    const outcomes = await target().write(request([shop("T1")]));
    expect(outcomes).toMatchObject([{ ok: true, targetNumber: "T1" }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250 + 500);
    expect(sim.stats().calls.BatchSave).toBe(3);
  });

  it("retries reads on HTTP 5xx and response_error: bodies", async () => {
    sim.store.preCreate([{ FNumber: "R1" }]);
    sim.injectNext({ fault: "http500", service: "ExecuteBillQuery" }, { fault: "responseError", service: "ExecuteBillQuery" });
    expect(await target().findExisting("BD_Customer", ["R1", "R2"])).toEqual(new Map([["R1", idOf("R1")]]));
    expect(sim.stats().calls.ExecuteBillQuery).toBe(3);
  });

  it("tells the observer of each exchange by service: the login, the throttled tries and the save", async () => {
    sim.injectNext({ fault: "throttle", service: "BatchSave" });
    const seen: CallObservation[] = [];
    await target({ observer: { observe: (c) => void seen.push(c) } }).write(request([shop("O1")]));
    expect(seen.map((c) => [c.platform, c.service, c.error])).toEqual([
      ["kingdee", "ValidateUser", undefined],
      ["kingdee", "BatchSave", "throttled"],
      ["kingdee", "BatchSave", undefined],
    ]);
  });

  it("turns a response_error: body into a server error once retries are spent", async () => {
    sim.injectNext({ fault: "responseError", service: "ExecuteBillQuery" });
    const error = await rejection(target({ maxRetries: 0 }).findExisting("BD_Customer", ["X"]));
    expect(error.kind).toBe("server");
    expect(error.platformMessage).toContain("Object reference not set");
  });

  // ExecuteBillQuery's wrapped errors are read in doc-examples.test.ts (the simulator answers every form we query).
  it("refuses a form it has no metadata for, sending nothing", async () => {
    const error = await rejection(target().findExisting("BD_NOPE", ["X"]));
    expect(error).toMatchObject({ kind: "request" });
    expect(error.message).toContain("BD_NOPE");
    expect(sim.stats().calls).toEqual({});
  });
});

describe("a create whose BatchSave outcome is unknown is reported unknown, never resent or looked up at once", () => {
  const unknown = { ok: false, unknown: true };

  it("connection dropped after commit: both records unknown, one BatchSave, no lookup", async () => {
    sim.injectNext({ fault: "drop", service: "BatchSave" });
    const outcomes = await target().write(request([shop("D1"), shop("D2")]));
    expect(outcomes).toMatchObject([{ ...unknown, index: 0 }, { ...unknown, index: 1 }]);
    expect(outcomes[0]!.ok === false && outcomes[0]!.message).toContain("结果待确认");
    expect(sim.stats()).toMatchObject({ customers: 2, duplicateAttempts: 0, calls: { BatchSave: 1 } });
    expect(sim.stats().calls.ExecuteBillQuery).toBeUndefined();
  });

  it("HTTP 500 and response_error: cannot tell before from after the commit, so unknown either way", async () => {
    sim.injectNext({ fault: "http500", service: "BatchSave" }, { fault: "responseErrorAfterCommit", service: "BatchSave" });
    expect(await target().write(request([shop("E1")]))).toMatchObject([unknown]);
    expect(await target().write(request([shop("P1"), shop("P2")]))).toMatchObject([unknown, unknown]);
    expect(sim.stats()).toMatchObject({ customers: 2, duplicateAttempts: 0, calls: { BatchSave: 2 } });
  });

  it("a timed-out BatchSave is unknown, and the server's late commit is the only save", async () => {
    const client = target({ timeoutMs: 100, maxRetries: 3 });
    await client.findExisting("BD_Customer", ["SLOW"]);
    sim.setFaults({ latencyMs: 300 });
    expect(await client.write(request([shop("SLOW")]))).toMatchObject([unknown]);
    await new Promise((r) => setTimeout(r, 400));
    expect(sim.stats()).toMatchObject({ customers: 1, duplicateAttempts: 0, calls: { BatchSave: 1 } });
  });

  it("cancelled while waiting for the answer: unknown, not cancelled", async () => {
    const controller = new AbortController();
    const client = target();
    await client.findExisting("BD_Customer", ["C1"]);
    sim.setFaults({ latencyMs: 200 });
    const writing = client.write({ ...request([shop("C1")]), signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    expect(await writing).toMatchObject([unknown]);
  });

  it("past its send-by time nothing is sent: not_sent, so the caller may put the batch back", async () => {
    await target().findExisting("BD_Customer", ["X"]);
    const error = await rejection(target().write({ ...request([shop("L1")]), sendBy: Date.now() - 1 }));
    expect(error.kind).toBe("not_sent");
    expect(sim.stats().calls.BatchSave).toBeUndefined();
  });

  it("a gateway's HTTP 429 before 金蝶 (nothing processed) is throttling: the batch is sent again after a pause, once", async () => {
    sim.injectNext({ fault: "http429", service: "BatchSave" });
    const outcomes = await target().write(request([shop("G1"), shop("G2")]));
    expect(outcomes).toMatchObject([{ ok: true, targetNumber: "G1" }, { ok: true, targetNumber: "G2" }]);
    expect(sim.stats()).toMatchObject({ customers: 2, duplicateAttempts: 0, calls: { BatchSave: 2 } });
  });

  it("updates in upsert mode are simply sent again (they are idempotent)", async () => {
    sim.store.preCreate([{ FNumber: "U1", FName: "旧" }]);
    sim.injectNext({ fault: "drop", service: "BatchSave" });
    const outcomes = await target().write(request([{ FNumber: "U1", FName: "新", FCreateOrgId: "100" }], "upsert"));
    expect(outcomes).toMatchObject([{ ok: true, targetNumber: "U1", targetId: idOf("U1") }]);
    expect(sim.stats()).toMatchObject({ customers: 1, duplicateAttempts: 0, calls: { BatchSave: 2 } });
  });

  it("upsert: an update still unknown after its retries fails as transient (sent again later), never reported unknown", async () => {
    sim.store.preCreate([{ FNumber: "U3", FName: "旧" }]);
    sim.injectNext({ fault: "http500", service: "BatchSave" }, { fault: "http500", service: "BatchSave" });
    const outcomes = await target({ maxRetries: 1 }).write(request([{ FNumber: "U3", FName: "新", FCreateOrgId: "100" }], "upsert"));
    // A lookup would find U3 (it existed before the update) and take the update for written.
    expect(outcomes).toEqual([
      { ok: false, index: 0, message: expect.stringContaining("更新的结果未知（已发送 2 次）"), code: "unknown_outcome", errorClass: "transient", response: null },
    ]);
    expect(sim.stats()).toMatchObject({ customers: 1, calls: { BatchSave: 2 } });
  });

  it("upsert: an unknown create does not stop the updates; a refused update after it fails alone", async () => {
    sim.store.preCreate([{ FNumber: "U2", FName: "旧" }]);
    sim.injectNext({ fault: "drop", service: "BatchSave" }, { fault: "throttle", service: "BatchSave" });
    const outcomes = await target({ maxRetries: 0 }).write(request([shop("N2"), { FNumber: "U2", FName: "新", FCreateOrgId: "100" }], "upsert"));
    expect(outcomes).toMatchObject([unknown, { ok: false, code: "throttled", index: 1 }]);
    expect(sim.stats()).toMatchObject({ customers: 2, duplicateAttempts: 0, calls: { BatchSave: 2 } });
  });
});

describe("findExisting", () => {
  it("chunks by 2000 numbers and escapes quotes", async () => {
    const numbers = Array.from({ length: 2500 }, (_, i) => `C${String(i).padStart(5, "0")}`);
    sim.store.preCreate([...numbers.filter((_, i) => i % 2 === 0), "O'NEIL"].map((FNumber) => ({ FNumber })));
    const found = await target().findExisting("BD_Customer", [...numbers, "O'NEIL"]);
    expect(found.size).toBe(1251);
    expect(found.get("O'NEIL")).toBe(idOf("O'NEIL"));
    expect(sim.stats().calls.ExecuteBillQuery).toBe(2);
  });

  it("stops when cancelled", async () => {
    const controller = new AbortController();
    controller.abort();
    expect((await rejection(target().findExisting("BD_Customer", ["A"], controller.signal))).kind).toBe("cancelled");
  });
});
