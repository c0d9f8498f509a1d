// BatchSave answers of kingdee.md / kingdee-documents.md beyond the per-DIndex sample: errors without
// DIndex (call-level refusals) and success entities without DIndex. A bare server on 127.0.0.1 logs
// in as the doc says and answers BatchSave with the body under test.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { simulatorPolicy as outbound } from "../testing";
import type { WriteOutcome } from "../types";
import { kingdee } from "./index";

const SERVICES = "/k3cloud/Kingdee.BOS.WebApi.ServicesStub.";
let server: Server;
let baseUrl = "";
let saveAnswer = "";
let saves = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const path = (req.url ?? "").replace(SERVICES, "").replace(".common.kdsvc", "");
      if (path === "AuthService.ValidateUser") {
        res
          .writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Set-Cookie": ["kdservice-sessionid=kd-1; path=/", "ASP.NET_SessionId=asp-1; path=/"] })
          .end(JSON.stringify({ Message: null, LoginResultType: 1, Context: { SessionId: "asp-1" }, KDSVCSessionId: "kd-1", IsSuccessByAPI: true }));
        return;
      }
      if (path === "DynamicFormService.BatchSave") saves++;
      res.writeHead(200, { "Content-Type": "application/json; charset=utf-8" }).end(saveAnswer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/k3cloud`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  saves = 0;
});

const target = () => kingdee.createTarget!({ baseUrl, credentials: { acctId: "demo", username: "administrator", password: "888888" }, outbound, qps: 1000, maxRetries: 0 });
const writeOne = (formId = "BD_Customer", record: Record<string, unknown> = { FNumber: "SHOP001", FName: "天猫旗舰店", FCreateOrgId: "100" }) =>
  target().write({ api: "batchSave", formId, records: [record], options: {}, mode: "create" });
const writeTwo = () =>
  target().write({
    api: "batchSave",
    formId: "BD_Customer",
    records: [
      { FNumber: "SHOP001", FName: "天猫旗舰店", FCreateOrgId: "100" },
      { FNumber: "SHOP002", FName: "京东旗舰店", FCreateOrgId: "100" },
    ],
    options: {},
    mode: "create",
  });
const status = (s: Record<string, unknown>) => JSON.stringify({ Result: { ResponseStatus: { SuccessMessages: [], ...s } } });
const classOf = (o: WriteOutcome | undefined) => (o && "errorClass" in o ? o.errorClass : undefined);

describe("BatchSave: a call-level refusal (Errors without DIndex) is the record's data error, not transient", () => {
  it("MsgCode 2 (没有权限) without DIndex: not retried automatically", async () => {
    saveAnswer =
      '{"Result":{"ResponseStatus":{"ErrorCode":500,"IsSuccess":false,"Errors":[{"FieldName":null,"Message":"没有权限","DIndex":null}],"SuccessEntitys":[],"SuccessMessages":[],"MsgCode":2}}}';
    const [outcome] = await writeOne();
    expect(outcome).toMatchObject({ ok: false, index: 0, code: "2" });
    // kingdee/error-class.ts: MsgCode 2 (permission) is `data`; the same refusal without a DIndex comes out transient.
    expect(classOf(outcome)).toBe("data");
  });

  it("the [K13] interaction error (kingdee-documents.md, quoted without DIndex) on a one-record batch is that record's data error", async () => {
    saveAnswer = JSON.stringify({
      Result: {
        ResponseStatus: {
          ErrorCode: 500,
          IsSuccess: false,
          Errors: [{ FieldName: "AbstractInteractionResult", Message: "AbstractInteractionResult.InteractionContext is null" }],
          SuccessEntitys: [],
          SuccessMessages: [],
          MsgCode: 11,
        },
      },
    });
    const [outcome] = await writeOne();
    expect(outcome).toMatchObject({ ok: false, index: 0 });
    expect(classOf(outcome)).toBe("data");
  });

  it("in a larger batch, classifies each record it does not name by the batch's errors and MsgCode", async () => {
    saveAnswer = status({ ErrorCode: 500, IsSuccess: false, Errors: [{ FieldName: null, Message: "没有权限", DIndex: null }], SuccessEntitys: [], MsgCode: 2 });
    const outcomes = await writeTwo();
    expect(outcomes).toMatchObject([
      { ok: false, index: 0, code: "2", message: expect.stringContaining("没有权限") },
      { ok: false, index: 1, code: "2", message: expect.stringContaining("没有权限") },
    ]);
    expect(outcomes.map(classOf)).toEqual(["data", "data"]);
  });

  it("keeps a 网控 (MsgCode 13) refusal without DIndex transient", async () => {
    saveAnswer = status({ ErrorCode: 500, IsSuccess: false, Errors: [{ FieldName: null, Message: "网控冲突：对象正被其他用户使用", DIndex: null }], SuccessEntitys: [], MsgCode: 13 });
    expect((await writeOne()).map(classOf)).toEqual(["transient"]);
    expect((await writeTwo()).map(classOf)).toEqual(["transient", "transient"]);
  });

  it("keeps a record the failed batch does not name transient when the only errors are other records' (DIndex)", async () => {
    saveAnswer = status({
      ErrorCode: 500,
      IsSuccess: false,
      Errors: [{ FieldName: "FNumber", Message: "违反字段唯一性要求：编码唯一。[SHOP001]在当前系统中已经被使用。", DIndex: 0 }],
      SuccessEntitys: [],
      MsgCode: 11,
    });
    const outcomes = await writeTwo();
    expect(outcomes).toMatchObject([{ ok: false, index: 0, field: "FNumber" }, { ok: false, index: 1 }]);
    expect(outcomes.map(classOf)).toEqual(["data", "transient"]);
  });
});

describe("BatchSave: a record of an IsSuccess:true answer is never failed as transient (it would be saved again)", () => {
  it("a success entity without DIndex (the schema allows it) is matched by its Number, as Submit/Audit do", async () => {
    saveAnswer = '{"Result":{"ResponseStatus":{"IsSuccess":true,"Errors":[],"SuccessEntitys":[{"Id":100029,"Number":"SHOP001"}],"SuccessMessages":[],"MsgCode":0},"NeedReturnData":[{}]}}';
    const [outcome] = await writeOne();
    expect(saves).toBe(1);
    // 金蝶 said the call succeeded and named the record's number; reporting it failed/transient makes the
    // engine create it again later (a second customer or bill, or a duplicate-number refusal).
    expect(outcome).not.toMatchObject({ ok: false, errorClass: "transient" });
    expect(outcome).toMatchObject({ ok: true, targetId: "100029", targetNumber: "SHOP001" });
  });

  it("matches success entities without DIndex by Number in a larger batch", async () => {
    saveAnswer = status({ IsSuccess: true, Errors: [], SuccessEntitys: [{ Id: 100031, Number: "SHOP002" }, { Id: 100030, Number: "SHOP001" }], MsgCode: 0 });
    expect(await writeTwo()).toMatchObject([
      { ok: true, index: 0, targetId: "100030", targetNumber: "SHOP001" },
      { ok: true, index: 1, targetId: "100031", targetNumber: "SHOP002" },
    ]);
  });

  it("reports a record an IsSuccess:true answer does not name as unknown (looked up before any resend)", async () => {
    saveAnswer = status({ IsSuccess: true, Errors: [], SuccessEntitys: [{ Id: 100030, Number: "SHOP001", DIndex: 0 }], MsgCode: 0 });
    const outcomes = await writeTwo();
    expect(saves).toBe(1);
    expect(outcomes).toMatchObject([{ ok: true, index: 0, targetId: "100030" }, { ok: false, unknown: true, index: 1 }]);
    expect(outcomes[1]).not.toHaveProperty("errorClass");
  });
});
