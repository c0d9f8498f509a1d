// The 金蝶 client against the literal examples of shared/protocols/kingdee.md: a bare server that
// records what arrives and answers with the doc's own response bodies.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../errors";
import { simulatorPolicy as outbound } from "../testing";
import { kingdee } from "./index";

const SERVICES = "/k3cloud/Kingdee.BOS.WebApi.ServicesStub.";

interface Received {
  path: string;
  body: unknown;
  headers: IncomingMessage["headers"];
}

let server: Server;
let baseUrl = "";
let received: Received[] = [];
let answers: Record<string, () => { body: string; headers?: Record<string, string | string[]> }> = {};

const loginAnswer = () => ({
  body: JSON.stringify({ Message: null, LoginResultType: 1, Context: { SessionId: "asp-1", DataCenterName: "演示" }, KDSVCSessionId: "kd-1", IsSuccessByAPI: true }),
  headers: { "Set-Cookie": ["kdservice-sessionid=kd-1; path=/", "ASP.NET_SessionId=asp-1; path=/; HttpOnly"] },
});

const target = () => kingdee.createTarget!({ baseUrl, credentials: { acctId: "demo", username: "administrator", password: "888888" }, outbound, qps: 1000, maxRetries: 0 });

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
    req.on("end", () => {
      const path = (req.url ?? "").replace(SERVICES, "").replace(".common.kdsvc", "");
      received.push({ path, body: JSON.parse(raw), headers: req.headers });
      const answer = answers[path]?.() ?? { body: "no such service" };
      res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", ...answer.headers }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/k3cloud`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received = [];
  answers = { "AuthService.ValidateUser": loginAnswer };
});

describe("kingdee.md examples", () => {
  it("sends the doc's ValidateUser body and BatchSave request, with the session cookies and header", async () => {
    answers["DynamicFormService.BatchSave"] = () => ({
      body: '{"Result":{"ResponseStatus":{"IsSuccess":true,"Errors":[],"SuccessEntitys":[{"Id":100029,"Number":"SHOP001","DIndex":0}],"SuccessMessages":[],"MsgCode":0},"NeedReturnData":[{}]}}',
    });
    const outcomes = await target().write({
      api: "batchSave",
      formId: "BD_Customer",
      records: [{ FNumber: "SHOP001", FName: "天猫旗舰店", FCreateOrgId: "100", FUseOrgId: "100", FDescription: "" }],
      options: { IsAutoSubmitAndAudit: true, IsVerifyBaseDataField: false },
      mode: "create",
    });
    expect(outcomes).toEqual([{ ok: true, index: 0, targetId: "100029", targetNumber: "SHOP001", response: { Id: 100029, Number: "SHOP001", DIndex: 0 } }]);

    const [login, save] = received;
    expect(login).toMatchObject({ path: "AuthService.ValidateUser", body: { acctID: "demo", username: "administrator", password: "888888", lcid: 2052 } });
    expect(save!.path).toBe("DynamicFormService.BatchSave");
    expect(save!.body).toMatchObject({
      formid: "BD_Customer",
      data: {
        IsAutoSubmitAndAudit: true,
        IsVerifyBaseDataField: false,
        NeedUpDateFields: [],
        Model: [{ FNumber: "SHOP001", FName: "天猫旗舰店", FCreateOrgId: { FNumber: "100" }, FUseOrgId: { FNumber: "100" }, FDescription: "" }],
      },
    });
    expect(save!.headers.cookie).toBe("kdservice-sessionid=kd-1; ASP.NET_SessionId=asp-1");
    expect(save!.headers["kdservice-sessionid"]).toBe("kd-1");
  });

  it("sends LoginByAppSecret's positional parameters", async () => {
    answers["AuthService.LoginByAppSecret"] = loginAnswer;
    answers["AuthService.Logout"] = () => ({ body: "true" });
    await kingdee.testConnection({
      baseUrl,
      credentials: { authType: "appSecret", acctId: "demo", username: "administrator", appId: "app", appSecret: "secret", lcid: 1033 },
      outbound,
    });
    expect(received[0]).toMatchObject({ path: "AuthService.LoginByAppSecret", body: { parameters: ["demo", "administrator", "app", "secret", 1033] } });
  });

  it("sends the doc's ExecuteBillQuery body and reads the bare 2-D answer", async () => {
    answers["DynamicFormService.ExecuteBillQuery"] = () => ({ body: '[[100029,"SHOP001"]]' });
    const found = await target().findExisting("BD_Customer", ["SHOP001", "SHOP002"]);
    expect(found).toEqual(new Map([["SHOP001", "100029"]]));
    // The doc's body, with an OrderString (the SDKs' QueryParam field, as listKeys sends it): pages
    // of an unordered query may shift between calls.
    expect(received[1]!.body).toEqual({
      data: { FormId: "BD_Customer", FieldKeys: "FCUSTID,FNumber", FilterString: "FNumber in ('SHOP001','SHOP002')", OrderString: "FCUSTID ASC", StartRow: 0, Limit: 2000 },
    });
  });

  it("understands ExecuteBillQuery's wrapped error shape", async () => {
    answers["DynamicFormService.ExecuteBillQuery"] = () => ({
      body: '[[{"Result":{"ResponseStatus":{"ErrorCode":500,"IsSuccess":false,"Errors":[{"FieldName":null,"Message":"字段FNumbr不存在","DIndex":0}],"SuccessEntitys":[],"SuccessMessages":[],"MsgCode":9}}}]]',
    });
    const error = await target().findExisting("BD_Customer", ["SHOP001"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind: "request", platformCode: "9", platformMessage: "字段FNumbr不存在" });
  });

  it("gives an error without DIndex to the only record of the batch, as its own (data) error", async () => {
    answers["DynamicFormService.BatchSave"] = () => ({
      body: '{"Result":{"ResponseStatus":{"ErrorCode":500,"IsSuccess":false,"Errors":[{"FieldName":null,"Message":"没有权限","DIndex":null}],"SuccessEntitys":[],"SuccessMessages":[],"MsgCode":2}}}',
    });
    const outcomes = await target().write({ api: "batchSave", formId: "BD_Customer", records: [{ FNumber: "A", FName: "a" }], options: {}, mode: "create" });
    expect(outcomes).toMatchObject([{ ok: false, index: 0, code: "2", message: "没有权限", errorClass: "data" }]);
  });

  it("takes a record of a larger batch that has neither a success nor an error as failed, with the batch's error", async () => {
    answers["DynamicFormService.BatchSave"] = () => ({
      body: '{"Result":{"ResponseStatus":{"ErrorCode":500,"IsSuccess":false,"Errors":[{"FieldName":null,"Message":"没有权限","DIndex":null}],"SuccessEntitys":[],"SuccessMessages":[],"MsgCode":2}}}',
    });
    const records = [{ FNumber: "A", FName: "a" }, { FNumber: "B", FName: "b" }];
    const outcomes = await target().write({ api: "batchSave", formId: "BD_Customer", records, options: {}, mode: "create" });
    expect(outcomes).toMatchObject([
      { ok: false, index: 0, code: "2", message: "金蝶没有返回这条记录（DIndex 0）的保存结果；本批错误：没有权限", errorClass: "data" },
      { ok: false, index: 1, code: "2", message: "金蝶没有返回这条记录（DIndex 1）的保存结果；本批错误：没有权限", errorClass: "data" },
    ]);
  });
});
