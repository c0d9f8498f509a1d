// Submit, Audit and stock over HTTP (kingdee-documents.md): the status machine A → B → C, Audit
// moving stock per (org, stock, material) and failing on a shortfall with the [K14] text unless
// InterationFlags has STK_InvCheckResult, IsAutoSubmitAndAudit as one transaction, the admin API for
// base data, stock and records, and the faults applying to the new forms.
import { describe, expect, it } from "vitest";
import { createKingdeeSimulator, kingdeeOptionsFromEnv } from "./index";
import { outstock, row, useSimulator } from "./test-client";

const { sim, client } = useSimulator({ parties: true });
const shortfall = (bill: string, line: number, balance: number, material: string, stock: string) =>
  `更新库存出现异常情况，更新库存不成功！出现负库存，库存更新不成功。销售出库单=${bill},序号=${line}，负库存=${balance},物料=${material},仓库=${stock}`;
const stockOf = async (material: string, stock = "CK001") => (await client.admin("GET", `stock?stock=${stock}&material=${material}`)).qty;
const statusOf = async (bill: string) => (await client.query({ FormId: "SAL_OUTSTOCK", FieldKeys: "FDocumentStatus", FilterString: `FBillNo = '${bill}'` }))[0]?.[0];

describe("Submit and Audit", () => {
  it("runs A → B → C, refusing each step out of order, per bill by Numbers or Ids", async () => {
    await client.save("SAL_OUTSTOCK", outstock("S1"));
    const s2 = await client.save("SAL_OUTSTOCK", outstock("S2"));
    await client.admin("POST", "stock", { stock: "CK001", material: "F01108", qty: 10 });

    const early = await client.operate("Audit", "SAL_OUTSTOCK", { Numbers: ["S1"], Ids: "", InterationFlags: "" });
    expect(early.Result.ResponseStatus).toMatchObject({ IsSuccess: false, MsgCode: 11, Errors: [{ FieldName: null, Message: "销售出库单“S1”的数据状态为“创建”，只有审核中状态的数据可以审核。", DIndex: 0 }] });

    const submitted = await client.operate("Submit", "SAL_OUTSTOCK", { Numbers: ["S1", "NOPE", "S2"], Ids: "" });
    expect(submitted).toEqual({
      Result: {
        ResponseStatus: {
          ErrorCode: 500,
          IsSuccess: false,
          Errors: [{ FieldName: null, Message: "销售出库单“NOPE”不存在或已被删除。", DIndex: 1 }],
          SuccessEntitys: [
            { Id: expect.any(Number), Number: "S1", DIndex: 0 },
            { Id: s2.Result.Id, Number: "S2", DIndex: 2 },
          ],
          SuccessMessages: [],
          MsgCode: 10,
        },
      },
    });
    expect(await statusOf("S1")).toBe("B");
    const twice = await client.operate("Submit", "SAL_OUTSTOCK", { Numbers: ["S1"] });
    expect(twice.Result.ResponseStatus.Errors[0]!.Message).toBe("销售出库单“S1”的数据状态为“审核中”，只有创建或重新审核状态的数据可以提交。");

    const audited = await client.operate("Audit", "SAL_OUTSTOCK", { Ids: `${String(s2.Result.Id)}` });
    expect(audited.Result.ResponseStatus).toMatchObject({ IsSuccess: true, SuccessEntitys: [{ Id: s2.Result.Id, Number: "S2", DIndex: 0 }], MsgCode: 0 });
    expect(await statusOf("S2")).toBe("C");
    const again = await client.operate("Audit", "SAL_OUTSTOCK", { Numbers: ["S2"] });
    expect(again.Result.ResponseStatus.Errors[0]!.Message).toBe("销售出库单“S2”的数据状态为“已审核”，只有审核中状态的数据可以审核。");
    const resubmit = await client.operate("Submit", "SAL_OUTSTOCK", { Numbers: ["S2"] });
    expect(resubmit.Result.ResponseStatus.IsSuccess).toBe(false);
    expect((await client.view("SAL_OUTSTOCK", { Number: "S2" })).Result.Result).toMatchObject({ DocumentStatus: "C", FDocumentStatus: "C", FApproveDate: expect.any(String) });
    expect((await client.operate("Submit", "SAL_OUTSTOCK", { Numbers: [] })).Result.ResponseStatus).toMatchObject({ IsSuccess: false, MsgCode: 8 });
  });
});

describe("CancelAssign (撤销)", () => {
  it("withdraws a submission (B → A), after which the bill can be saved again; refuses any other status", async () => {
    await client.save("SAL_OUTSTOCK", outstock("W1", [row("F01108", 1)]));
    const early = await client.operate("CancelAssign", "SAL_OUTSTOCK", { Numbers: ["W1"] });
    expect(early.Result.ResponseStatus.Errors[0]!.Message).toBe("销售出库单“W1”的数据状态为“创建”，只有审核中状态的数据可以撤销。");
    await client.operate("Submit", "SAL_OUTSTOCK", { Numbers: ["W1"] });
    expect(await statusOf("W1")).toBe("B");
    const withdrawn = await client.operate("CancelAssign", "SAL_OUTSTOCK", { Numbers: ["W1"] });
    expect(withdrawn.Result.ResponseStatus).toMatchObject({ IsSuccess: true, SuccessEntitys: [{ Number: "W1", DIndex: 0 }] });
    expect(await statusOf("W1")).toBe("A");
    // Open again: submitted and audited as any saved bill (no stock moved by the withdrawal).
    await client.admin("POST", "stock", { stock: "CK001", material: "F01108", qty: 1 });
    await client.operate("Submit", "SAL_OUTSTOCK", { Numbers: ["W1"] });
    expect((await client.operate("Audit", "SAL_OUTSTOCK", { Numbers: ["W1"] })).Result.ResponseStatus.IsSuccess).toBe(true);
    const late = await client.operate("CancelAssign", "SAL_OUTSTOCK", { Numbers: ["W1"] });
    expect(late.Result.ResponseStatus.Errors[0]!.Message).toBe("销售出库单“W1”的数据状态为“已审核”，只有审核中状态的数据可以撤销。");
  });
});

describe("both body shapes and every form", () => {
  it("takes Submit/Audit in the legacy positional shape, and the array FilterString on BD_Customer too", async () => {
    await client.save("SAL_OUTSTOCK", outstock("L1", [row("F01108", 1)]));
    const legacy = (method: string) => client.call(method, { format: 1, useragent: "ApiClient", rid: "7", parameters: JSON.stringify(["SAL_OUTSTOCK", JSON.stringify({ Numbers: ["L1"], InterationFlags: "STK_InvCheckResult" })]), timestamp: "2026-12-03", v: "1.0" });
    expect((await legacy("Submit")).body).toMatchObject({ Result: { ResponseStatus: { IsSuccess: true } } });
    expect((await legacy("Audit")).body).toMatchObject({ Result: { ResponseStatus: { IsSuccess: true, SuccessEntitys: [{ Number: "L1" }] } } });
    const byArray = await client.query({ FormId: "BD_Customer", FieldKeys: "FNumber,FDocumentStatus", FilterString: [{ Left: "", FieldName: "FNumber", Compare: "=", Value: "RMSHOP001", Right: "", Logic: 0 }] });
    expect(byArray).toEqual([["RMSHOP001", "C"]]);
  });
});

describe("stock", () => {
  it("is not moved by Save; Audit subtracts FRealQty per row, and a shortfall fails with the [K14] text naming bill, row, balance, material and stock", async () => {
    await client.admin("POST", "stock", { lines: [{ stock: "CK001", material: "F01108", qty: 5 }, { stock: "CK002", material: "F01109", qty: 1 }] });
    await client.save("SAL_OUTSTOCK", outstock("K1", [row("F01108", 3), row("F01109", 2, { FStockID: { FNumber: "CK002" } }), row("F01108", 3)]));
    expect(await stockOf("F01108")).toBe(5);
    await client.operate("Submit", "SAL_OUTSTOCK", { Numbers: ["K1"] });
    const failed = await client.operate("Audit", "SAL_OUTSTOCK", { Numbers: ["K1"] });
    expect(failed.Result.ResponseStatus).toMatchObject({
      IsSuccess: false,
      MsgCode: 11,
      Errors: [
        { FieldName: null, Message: shortfall("K1", 2, -1, "F01109", "华东仓"), DIndex: 0 },
        { FieldName: null, Message: shortfall("K1", 3, -1, "F01108", "主仓"), DIndex: 0 },
      ],
      SuccessEntitys: [],
    });
    expect(await statusOf("K1")).toBe("B");
    expect([await stockOf("F01108"), await stockOf("F01109", "CK002")]).toEqual([5, 1]);

    await client.admin("POST", "stock", { stock: "CK002", material: "F01109", qty: 2, org: "100" });
    await client.admin("POST", "stock", { stock: "CK001", material: "F01108", qty: 6 });
    expect((await client.operate("Audit", "SAL_OUTSTOCK", { Numbers: ["K1"] })).Result.ResponseStatus.IsSuccess).toBe(true);
    expect([await stockOf("F01108"), await stockOf("F01109", "CK002")]).toEqual([0, 0]);
  });

  it("lets InterationFlags STK_InvCheckResult audit into negative stock", async () => {
    await client.save("SAL_OUTSTOCK", outstock("N1", [row("F01110", 4)]));
    await client.operate("Submit", "SAL_OUTSTOCK", { Numbers: ["N1"] });
    const audited = await client.operate("Audit", "SAL_OUTSTOCK", { Numbers: ["N1"], InterationFlags: "STK_InvCheckResult" });
    expect(audited.Result.ResponseStatus.IsSuccess).toBe(true);
    expect(await stockOf("F01110")).toBe(-4);
    expect(await client.admin("GET", "stock")).toMatchObject({ openingStock: 0, lines: [{ org: "100", stock: "CK001", material: "F01110", qty: -4 }] });
  });

  it("IsAutoSubmitAndAudit saves, submits and audits as one transaction: a shortfall saves nothing, and the number is not used up", async () => {
    await client.admin("POST", "stock", { stock: "CK001", material: "F01108", qty: 2 });
    const failed = await client.batchSave("SAL_OUTSTOCK", [outstock(undefined, [row("F01108", 3)]), outstock("AUTO2", [row("F01108", 2)])], { IsAutoSubmitAndAudit: true });
    expect(failed.Result.ResponseStatus).toMatchObject({
      IsSuccess: false,
      MsgCode: 11,
      Errors: [{ FieldName: null, Message: shortfall("XSCKD000001", 1, -1, "F01108", "主仓"), DIndex: 0 }],
      SuccessEntitys: [{ Number: "AUTO2", DIndex: 1 }],
    });
    expect(await client.query({ FormId: "SAL_OUTSTOCK", FieldKeys: "FBillNo,FDocumentStatus" })).toEqual([["AUTO2", "C"]]);
    expect(await stockOf("F01108")).toBe(0);

    const allowed = await client.save("SAL_OUTSTOCK", outstock(undefined, [row("F01108", 3)]), { IsAutoSubmitAndAudit: "true", InterationFlags: "STK_InvCheckResult" });
    expect(allowed.Result).toMatchObject({ ResponseStatus: { IsSuccess: true }, Number: "XSCKD000001" });
    expect(await stockOf("F01108")).toBe(-3);
  });

  it("starts every pair at KINGDEE_SIM_OPENING_STOCK", async () => {
    expect(kingdeeOptionsFromEnv({ KINGDEE_SIM_OPENING_STOCK: "100" }).openingStock).toBe(100);
    expect(kingdeeOptionsFromEnv({}).openingStock).toBe(0);
    expect(() => kingdeeOptionsFromEnv({ KINGDEE_SIM_OPENING_STOCK: "many" })).toThrow(/KINGDEE_SIM_OPENING_STOCK/);
    const stocked = createKingdeeSimulator({ openingStock: 10 });
    expect(stocked.forms.stock.get("100", "CK003", "ANY")).toBe(10);
    stocked.forms.stock.openingStock = 0;
    stocked.reset();
    expect(stocked.forms.stock.get("100", "CK003", "ANY")).toBe(10);
  });
});

describe("admin API and faults for the document forms", () => {
  it("adds stocks and units, lists and deletes records per form, and resets everything", async () => {
    expect(await client.admin("POST", "base-data", { kind: "stock", entries: [{ number: "CK009", name: "退货仓" }] })).toMatchObject({ stock: [{ number: "CK009", name: "退货仓" }] });
    expect((await client.admin("GET", "base-data")).stock).toEqual(expect.arrayContaining([expect.objectContaining({ number: "CK001", name: "主仓" }), expect.objectContaining({ number: "CK009" })]));
    expect(await client.admin("POST", "base-data", { kind: "customer", entries: [{ number: "X", name: "x" }] })).toMatchObject({ error: "参数无效" });
    const saved = await client.save("SAL_OUTSTOCK", outstock("AD1", [row("F01108", 1, { FStockID: { FNumber: "CK009" } })]), { IsVerifyBaseDataField: true });
    expect(saved.Result.ResponseStatus.IsSuccess).toBe(true);

    expect(await client.admin("POST", "forms/BD_MATERIAL", { records: [{ FNumber: "ADM1", FName: "后台建的", FCreateOrgId: { FNumber: "100" } }, { FNumber: "ADM2" }] })).toMatchObject({
      created: [{ Number: "ADM1", DIndex: 0 }],
      errors: [
        { FieldName: "FName", Message: "字段“名称”是必填项", DIndex: 1 },
        { FieldName: "FCreateOrgId", Message: "字段“创建组织”是必填项", DIndex: 1 },
      ],
    });
    expect(await client.admin("GET", "forms/bd_material")).toMatchObject({ formId: "BD_MATERIAL", records: expect.arrayContaining([expect.objectContaining({ FNumber: "ADM1", FDocumentStatus: "C" })]) });
    expect(await client.admin("GET", "forms/SAL_OUTSTOCK")).toMatchObject({ records: [{ FBillNo: "AD1", FEntity: [{ FStockID: { FNumber: "CK009" } }] }] });
    expect(await client.admin("DELETE", "forms/SAL_OUTSTOCK?number=AD1")).toEqual({ deleted: 1 });
    expect(await client.admin("GET", "forms/PUR_ORDER")).toMatchObject({ error: expect.stringContaining("PUR_ORDER") });
    expect(await client.admin("GET", "stats")).toMatchObject({ customers: 1, forms: { BD_Customer: { records: 1 }, BD_MATERIAL: { records: 4 }, SAL_OUTSTOCK: { records: 0 } } });

    await client.admin("POST", "reset");
    expect(await client.admin("GET", "stats")).toMatchObject({ customers: 0, forms: { BD_MATERIAL: { records: 0 }, SAL_OUTSTOCK: { records: 0 } } });
    expect((await client.admin("GET", "base-data")).stock).toHaveLength(3);
  });

  it("slow commits delay SAL_OUTSTOCK saves (Save and BatchSave) too", async () => {
    sim.setFaults({ slowCommitEvery: 1, slowCommitMs: 300 });
    const pending = client.save("SAL_OUTSTOCK", outstock("SLOW1"));
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.forms.outstock.size).toBe(0);
    expect((await pending).Result.ResponseStatus.IsSuccess).toBe(true);
    expect(sim.forms.outstock.size).toBe(1);
    await client.batchSave("SAL_OUTSTOCK", [outstock("SLOW2")]);
    expect(sim.stats()).toMatchObject({ slowCommits: 2, duplicateAttempts: 0 });
  });

  it("an injected error after commit hits Audit too: the bill is audited and the stock moved, the caller sees HTTP 500", async () => {
    await client.save("SAL_OUTSTOCK", outstock("F1", [row("F01108", 1)]));
    await client.operate("Submit", "SAL_OUTSTOCK", { Numbers: ["F1"] });
    sim.injectNext({ fault: "http500AfterCommit", service: "Audit" });
    const answer = await client.call("Audit", { formid: "SAL_OUTSTOCK", data: { Numbers: ["F1"], InterationFlags: "STK_InvCheckResult" } });
    expect(answer.status).toBe(500);
    expect(await statusOf("F1")).toBe("C");
    expect(await stockOf("F01108")).toBe(-1);
    sim.injectNext({ fault: "drop", service: "BatchSave" });
    await expect(client.batchSave("SAL_OUTSTOCK", [outstock("F2")])).rejects.toThrow();
    expect(await statusOf("F2")).toBe("A");
  });
});
