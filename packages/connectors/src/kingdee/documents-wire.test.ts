// Bills on the wire, against a bare server that records what arrives and answers as scripted:
// the Submit/Audit bodies and how their answers become outcomes (saved, unknown, absent), and that
// `audit` goes by the status it looks up. The simulator tests (documents.test.ts) cover the flows.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { simulatorPolicy as outbound } from "../testing";
import type { WriteRequest } from "../types";
import { kingdee } from "./index";

type Answer = (res: ServerResponse) => void;
const json = (body: unknown): Answer => (res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
const drop: Answer = (res) => res.socket?.destroy();
const status = (successes: { Id: number; Number: string; DIndex: number }[], errors: { FieldName?: string | null; Message: string; DIndex?: number | null }[] = []) =>
  json({ Result: { ResponseStatus: { IsSuccess: errors.length === 0, ErrorCode: errors.length ? 500 : 0, Errors: errors, SuccessEntitys: successes, SuccessMessages: [], MsgCode: errors.length ? 11 : 0 } } });

let received: { service: string; body: unknown }[] = [];
let answers: Record<string, Answer[]> = {};
const server = createServer((req: IncomingMessage, res) => {
  let raw = "";
  req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
  req.on("end", () => {
    const service = /\.([A-Za-z]+)\.common\.kdsvc$/.exec(req.url ?? "")?.[1] ?? "";
    received.push({ service, body: JSON.parse(raw) });
    const answer = service === "ValidateUser" ? json({ LoginResultType: 1, KDSVCSessionId: "kd-1" }) : answers[service]?.shift();
    (answer ?? json(null))(res);
  });
});
let baseUrl = "";
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/k3cloud/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  received = [];
  answers = {};
});

const target = () => kingdee.createTarget!({ baseUrl, credentials: { acctId: "demo", username: "administrator", password: "888888" }, outbound, qps: 1000, maxRetries: 0 });
const bill = (FBillNo: string) => ({ FBillNo, FBillTypeID: "XSCKD01_SYS", FDate: "2026-12-03", FCustomerID: "C1", FEntity: [{ FMaterialID: "M1", FUnitID: "Pcs", FStockID: "CK001", FRealQty: 2 }] });
const separate = (records: Record<string, unknown>[], mode: WriteRequest["mode"] = "create"): WriteRequest => ({
  api: "batchSave",
  formId: "SAL_OUTSTOCK",
  records,
  options: { IsAutoSubmitAndAudit: true, InterationFlags: "STK_InvCheckResult" },
  mode,
  audit: "separate",
});
const services = () => received.map((r) => r.service).filter((s) => s !== "ValidateUser");
const NEGATIVE = "更新库存出现异常情况，更新库存不成功！出现负库存，库存更新不成功。";

describe("audit separate", () => {
  it("saves without auditing, submits and audits the saved numbers with the interaction flags; an audit refusal is `saved`", async () => {
    answers = {
      BatchSave: [status([{ Id: 11, Number: "B1", DIndex: 0 }, { Id: 12, Number: "B2", DIndex: 2 }], [{ FieldName: "FCustomerID", Message: "字段“客户”是必填项", DIndex: 1 }])],
      Submit: [status([{ Id: 11, Number: "B1", DIndex: 0 }, { Id: 12, Number: "B2", DIndex: 1 }])],
      Audit: [status([{ Id: 12, Number: "B2", DIndex: 1 }], [{ FieldName: null, Message: NEGATIVE, DIndex: 0 }])],
    };
    const outcomes = await target().write(separate([bill("B1"), bill("BX"), bill("B2")]));
    expect(services()).toEqual(["BatchSave", "Submit", "Audit"]);
    expect(received[1]!.body).toMatchObject({ formid: "SAL_OUTSTOCK", data: { IsAutoSubmitAndAudit: false, InterationFlags: "STK_InvCheckResult" } });
    expect(received[2]!.body).toEqual({ formid: "SAL_OUTSTOCK", data: { Numbers: ["B1", "B2"], InterationFlags: "STK_InvCheckResult" } });
    expect(received[3]!.body).toEqual({ formid: "SAL_OUTSTOCK", data: { Numbers: ["B1", "B2"], InterationFlags: "STK_InvCheckResult" } });
    expect(outcomes).toEqual([
      // submitted: Qiao's own Submit went through (only such a submission is ever withdrawn).
      { ok: false, saved: true, index: 0, targetId: "11", targetNumber: "B1", message: `单据已保存，审核失败：${NEGATIVE}`, code: "11", submitted: true, response: [{ FieldName: null, Message: NEGATIVE, DIndex: 0 }] },
      { ok: false, index: 1, field: "FCustomerID", message: "字段“客户”是必填项", code: "11", errorClass: "data", response: expect.anything() },
      { ok: true, index: 2, targetId: "12", targetNumber: "B2", response: { Id: 12, Number: "B2", DIndex: 1 } },
    ]);
  });

  it("a Submit refused is `saved` and not audited; an Audit whose outcome is unknown is `saved` with the audit unknown", async () => {
    answers = {
      BatchSave: [status([{ Id: 11, Number: "B1", DIndex: 0 }, { Id: 12, Number: "B2", DIndex: 1 }])],
      Submit: [status([{ Id: 12, Number: "B2", DIndex: 1 }], [{ Message: "网控冲突", DIndex: 0 }])],
      Audit: [drop],
    };
    const outcomes = await target().write(separate([bill("B1"), bill("B2")]));
    expect(services()).toEqual(["BatchSave", "Submit", "Audit"]);
    expect(received[3]!.body).toMatchObject({ data: { Numbers: ["B2"] } });
    expect(outcomes).toMatchObject([
      { ok: false, saved: true, targetId: "11", targetNumber: "B1", message: "单据已保存，提交失败：网控冲突", submitted: false },
      { ok: false, saved: true, targetId: "12", targetNumber: "B2", code: "unknown_outcome", submitted: true },
    ]);
    expect(outcomes[1]!.ok === false && outcomes[1]!.message).toMatch(/^单据已保存，审核结果未知（.+）；重试时先查询单据状态，不会重复审核$/);
  });

  it("a Submit answer that is not Kingdee's leaves the bill `saved` with its submit unknown, and nothing is audited", async () => {
    answers = { BatchSave: [status([{ Id: 11, Number: "B1", DIndex: 0 }])], Submit: [json({ unexpected: true })] };
    const outcomes = await target().write(separate([bill("B1")]));
    expect(services()).toEqual(["BatchSave", "Submit"]);
    expect(outcomes).toEqual([
      {
        ok: false,
        saved: true,
        index: 0,
        targetId: "11",
        targetNumber: "B1",
        message: "单据已保存，提交结果未知（金蝶提交的回答不符合协议（缺少 Result.ResponseStatus））；重试时先查询单据状态，不会重复提交",
        // A Submit whose outcome is unknown is not known to be Qiao's: never withdrawn.
        submitted: false,
        response: null,
      },
    ]);
  });

  it("a save whose outcome is unknown stays unknown: no Submit, no Audit, no lookup", async () => {
    answers = { BatchSave: [drop] };
    expect(await target().write(separate([bill("B1")]))).toMatchObject([{ ok: false, unknown: true, index: 0 }]);
    expect(services()).toEqual(["BatchSave"]);
  });
});

describe("kingdee-documents.md answers", () => {
  it("reads the [K7] SAL_OUTSTOCK errors per Model by DIndex, rows named in the message only", async () => {
    // The doc's literal Errors (two Models; both row errors carry DIndex 0).
    answers = {
      BatchSave: [
        (res) =>
          res.writeHead(200, { "content-type": "application/json" }).end(
            '{"Result":{"ResponseStatus":{"ErrorCode":500,"IsSuccess":false,"Errors":[{"FieldName":"FCustomerID","Message":"字段“客户”是必填项","DIndex":0},{"FieldName":"FCustomerID","Message":"字段“客户”是必填项","DIndex":1},{"FieldName":"FStockID","Message":"单据体实体【明细信息】第【1】行分录，【仓库】字段必录","DIndex":0},{"FieldName":"FStockID","Message":"单据体实体【明细信息】第【2】行分录，【仓库】字段必录","DIndex":0}],"SuccessEntitys":[],"SuccessMessages":[],"MsgCode":11}}}',
          ),
      ],
    };
    const outcomes = await target().write({ api: "batchSave", formId: "SAL_OUTSTOCK", records: [bill("K1"), bill("K2")], options: {}, mode: "create" });
    expect(outcomes).toMatchObject([
      { ok: false, index: 0, field: "FCustomerID", code: "11", message: "字段“客户”是必填项；单据体实体【明细信息】第【1】行分录，【仓库】字段必录；单据体实体【明细信息】第【2】行分录，【仓库】字段必录" },
      { ok: false, index: 1, field: "FCustomerID", code: "11", message: "字段“客户”是必填项" },
    ]);
  });

  it("reads the [K11] Save answer, which also carries Id and Number at the top", async () => {
    answers = {
      BatchSave: [
        json({ Result: { ResponseStatus: { IsSuccess: true, Errors: [], SuccessEntitys: [{ Id: 103697, Number: "SCLL24112614", DIndex: 0 }], SuccessMessages: [], MsgCode: 0 }, Id: 103697, Number: "SCLL24112614", NeedReturnData: [{}] } }),
      ],
    };
    expect(await target().write({ api: "batchSave", formId: "SAL_OUTSTOCK", records: [bill("")], options: {}, mode: "create" })).toMatchObject([
      { ok: true, index: 0, targetId: "103697", targetNumber: "SCLL24112614" },
    ]);
  });
});

describe("audit()", () => {
  it("looks the statuses up: C is done, B is audited, A and D are submitted first, absent ones fail; Save is never called", async () => {
    answers = {
      ExecuteBillQuery: [json([[1, "B1", "C"], [2, "B2", "B"], [3, "B3", "A"], [3, "B3", "A"], [4, "B4", "D"]])],
      Submit: [status([{ Id: 3, Number: "B3", DIndex: 0 }, { Id: 4, Number: "B4", DIndex: 1 }])],
      Audit: [status([{ Id: 2, Number: "B2", DIndex: 0 }, { Id: 3, Number: "B3", DIndex: 1 }], [{ Message: NEGATIVE, DIndex: 2 }])],
    };
    const bills = ["B1", "B2", "B3", "B4", "B5"].map((n, i) => ({ targetId: String(i + 1), targetNumber: n }));
    const outcomes = await target().audit!({ formId: "SAL_OUTSTOCK", bills });
    expect(services()).toEqual(["ExecuteBillQuery", "Submit", "Audit"]);
    expect(received[1]!.body).toEqual({
      data: { FormId: "SAL_OUTSTOCK", FieldKeys: "FID,FBillNo,FDocumentStatus", FilterString: "FBillNo in ('B1','B2','B3','B4','B5')", OrderString: "FID ASC", StartRow: 0, Limit: 2000 },
    });
    expect(received[2]!.body).toEqual({ formid: "SAL_OUTSTOCK", data: { Numbers: ["B3", "B4"] } });
    expect(received[3]!.body).toEqual({ formid: "SAL_OUTSTOCK", data: { Numbers: ["B2", "B3", "B4"] } });
    expect(outcomes).toMatchObject([
      { ok: true, index: 0, targetId: "1", targetNumber: "B1" },
      { ok: true, index: 1, targetId: "2", targetNumber: "B2" },
      { ok: true, index: 2, targetId: "3", targetNumber: "B3" },
      { ok: false, saved: true, index: 3, targetId: "4", targetNumber: "B4", message: `单据已保存，审核失败：${NEGATIVE}` },
      { ok: false, index: 4, field: "FBillNo", message: "单据 B5 在金蝶中不存在（可能已被删除），无法审核；请重新写入这条记录" },
    ]);
    expect(outcomes[4]).not.toHaveProperty("saved");
  });

  it("sends the request's interaction flags, and makes no call at all for bills already audited", async () => {
    answers = { ExecuteBillQuery: [json([[1, "B1", "B"]]), json([[1, "B1", "C"]])], Audit: [status([{ Id: 1, Number: "B1", DIndex: 0 }])] };
    const client = target();
    const req = { formId: "SAL_OUTSTOCK", bills: [{ targetId: "1", targetNumber: "B1" }], options: { InterationFlags: "STK_InvCheckResult" } };
    expect(await client.audit!(req)).toMatchObject([{ ok: true, targetNumber: "B1" }]);
    expect(received.at(-1)!.body).toEqual({ formid: "SAL_OUTSTOCK", data: { Numbers: ["B1"], InterationFlags: "STK_InvCheckResult" } });
    expect(await client.audit!(req)).toMatchObject([{ ok: true, targetNumber: "B1" }]);
    expect(services()).toEqual(["ExecuteBillQuery", "Audit", "ExecuteBillQuery"]);
  });

  it("refuses base data, which has no audit of its own", async () => {
    await expect(target().audit!({ formId: "BD_MATERIAL", bills: [] })).rejects.toThrow("不是单据");
    expect(received).toEqual([]);
  });
});

describe("upsert of bills", () => {
  it("queries FID and status by FBillNo, leaves audited bills alone, updates the others with their rows replaced", async () => {
    answers = {
      ExecuteBillQuery: [json([[7, "OLD", "C"], [8, "OPEN", "A"]])],
      BatchSave: [status([{ Id: 9, Number: "NEW", DIndex: 0 }]), status([{ Id: 8, Number: "OPEN", DIndex: 0 }])],
    };
    const req: WriteRequest = { api: "batchSave", formId: "SAL_OUTSTOCK", records: [bill("OLD"), bill("NEW"), bill("OPEN")], options: { IsDeleteEntry: false }, mode: "upsert" };
    const outcomes = await target().write(req);
    expect(services()).toEqual(["ExecuteBillQuery", "BatchSave", "BatchSave"]);
    const [create, update] = [received[2]!.body, received[3]!.body] as { data: Record<string, unknown> & { Model: Record<string, unknown>[] } }[];
    expect(create!.data).toMatchObject({ NeedUpDateFields: [], IsDeleteEntry: false, Model: [{ FID: 0, FBillNo: "NEW" }] });
    expect(update!.data).toMatchObject({ IsDeleteEntry: true, Model: [{ FID: 8, FBillNo: "OPEN", FEntity: [{ FMaterialID: { FNumber: "M1" } }] }] });
    expect(update!.data.NeedUpDateFields).toEqual(["FBillNo", "FBillTypeID", "FDate", "FCustomerID", "FEntity", "FMaterialID", "FUnitID", "FStockID", "FRealQty"]);
    expect(outcomes).toEqual([
      { ok: false, index: 0, field: "FBillNo", message: "已审核的单据不能修改：单据 OLD 已审核，Qiao 不会修改它；如需更新，请先在金蝶中反审核这张单据，再重试这条记录", response: { FID: "7", FBillNo: "OLD", FDocumentStatus: "C" } },
      { ok: true, index: 1, targetId: "9", targetNumber: "NEW", response: expect.anything() },
      { ok: true, index: 2, targetId: "8", targetNumber: "OPEN", response: expect.anything() },
    ]);
  });
});
