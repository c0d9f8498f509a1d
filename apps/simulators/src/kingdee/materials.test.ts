// BD_MATERIAL over HTTP against kingdee-documents.md: the doc's Models, unique FNumber, required
// FName, organisations checked when IsVerifyBaseDataField is true, sub-heads, ExecuteBillQuery keys.
import { describe, expect, it } from "vitest";
import { createKingdeeSimulator } from "./index";
import { useSimulator } from "./test-client";

const { sim, client } = useSimulator();

/** The fuller Model an integrator sends [K4]. */
const material = (FNumber: string, extra: Record<string, unknown> = {}) => ({
  FCreateOrgId: { FNumber: "100" },
  FUseOrgId: { FNumber: "100" },
  FNumber,
  FName: `物料${FNumber}`,
  FSpecification: "240g",
  FMaterialGroup: { FNumber: "01" },
  SubHeadEntity: {
    FErpClsID: "1",
    FCategoryID: { FNumber: "CHLB01_SYS" },
    FTaxType: { FNumber: "WLDSFL01_SYS" },
    FTaxRateId: { FNUMBER: "SL31_SYS" },
    FBaseUnitId: { FNumber: "Pcs" },
    FBARCODE: "6900000000000",
    FIsPurchase: true,
    FIsInventory: true,
    FIsSale: true,
  },
  SubHeadEntity1: { FStoreUnitID: { FNumber: "Pcs" }, FIsBatchManage: false },
  SubHeadEntity2: { FSaleUnitId: { FNumber: "Box" }, FSalePriceUnitId: { FNumber: "Pcs" } },
  SubHeadEntity3: { FPurchaseUnitId: { FNumber: "Pcs" }, FPurchasePriceUnitId: { FNumber: "Pcs" } },
  ...extra,
});

describe("BD_MATERIAL", () => {
  it("saves the SDK demo's minimal Model (formid BD_Material) and answers Id and Number; defaults fill the sub-heads", async () => {
    const answer = await client.save("BD_Material", { FCreateOrgId: { FNumber: 100 }, FUseOrgId: { FNumber: 100 }, FNumber: "F140384", FName: "脂排舞-蜜瓜味" });
    expect(answer).toMatchObject({ Result: { ResponseStatus: { IsSuccess: true, SuccessEntitys: [{ Number: "F140384", DIndex: 0 }] }, Id: expect.any(Number), Number: "F140384" } });
    const rows = await client.query({
      FormId: "BD_MATERIAL",
      FieldKeys: "FMATERIALID,FNumber,FName,FDocumentStatus,FBaseUnitId.FNumber,FBaseUnitId.FName,FErpClsID,FStoreUnitID.FNumber,FUseOrgId.FNumber",
      FilterString: "FNumber = 'F140384'",
    });
    expect(rows).toEqual([[answer.Result.Id, "F140384", "脂排舞-蜜瓜味", "A", "Pcs", "件", "1", "Pcs", "100"]]);
  });

  it("keeps the sub-heads SubHeadEntity…SubHeadEntity3 and answers their keys in queries and View", async () => {
    const m2 = { FCreateOrgId: { FNumber: "100" }, FNumber: "M2", FName: "散装", SubHeadEntity: { FBaseUnitId: { FNumber: "kg" } }, SubHeadEntity2: { FSaleUnitId: { FNumber: "Box" } } };
    await client.batchSave("BD_MATERIAL", [material("M1"), m2], { IsAutoSubmitAndAudit: true });
    const rows = await client.query({ FormId: "bd_material", FieldKeys: "FNumber,FBaseUnitId.FNumber,FSaleUnitId.FNumber,FPurchasePriceUnitId.FNumber,FTaxRateId.FNumber,FBARCODE,FIsSale,FDocumentStatus", OrderString: "FNumber desc" });
    expect(rows).toEqual([
      ["M2", "kg", "Box", "kg", null, null, true, "C"],
      ["M1", "Pcs", "Box", "Pcs", "SL31_SYS", "6900000000000", true, "C"],
    ]);
    const view = await client.view("BD_MATERIAL", { Number: "M1" });
    expect(view.Result.Result).toMatchObject({
      Number: "M1",
      Name: [{ Key: 2052, Value: "物料M1" }],
      DocumentStatus: "C",
      FDocumentStatus: "C",
      SubHeadEntity: { FBaseUnitId: { FNumber: "Pcs" }, FTaxRateId: { FNumber: "SL31_SYS" } },
      SubHeadEntity2: { FSaleUnitId: { FNumber: "Box" } },
    });
  });

  it("refuses a taken FNumber with Kingdee's duplicate message, MsgCode 11, and counts the attempt for the form", async () => {
    await client.save("BD_MATERIAL", material("DUP"));
    const again = await client.batchSave("BD_MATERIAL", [material("NEW"), material("DUP")]);
    expect(again.Result.ResponseStatus).toMatchObject({
      IsSuccess: false,
      ErrorCode: 500,
      MsgCode: 11,
      Errors: [{ FieldName: "FNumber", Message: "违反字段唯一性要求：编码唯一。[DUP]在当前系统中已经被使用。", DIndex: 1 }],
      SuccessEntitys: [{ Number: "NEW", DIndex: 0 }],
    });
    expect(sim.stats()).toMatchObject({ duplicateAttempts: 1, forms: { BD_MATERIAL: { records: 2, duplicateAttempts: 1 }, BD_Customer: { duplicateAttempts: 0 } } });
  });

  it("requires FName; numbers an absent FNumber by the coding rule", async () => {
    const noName = await client.save("BD_MATERIAL", { FCreateOrgId: { FNumber: "100" }, FNumber: "X1" });
    expect(noName.Result.ResponseStatus).toMatchObject({ MsgCode: 11, Errors: [{ FieldName: "FName", Message: "字段“名称”是必填项", DIndex: 0 }] });
    const numbered = await client.batchSave("BD_MATERIAL", [{ FCreateOrgId: { FNumber: "100" }, FName: "甲" }, { FCreateOrgId: { FNumber: "100" }, FName: "乙" }]);
    expect(numbered.Result.ResponseStatus.SuccessEntitys.map((s) => s.Number)).toEqual(["WL000001", "WL000002"]);
  });

  it("checks that the organisations exist when IsVerifyBaseDataField is true; otherwise an unknown one is left empty", async () => {
    const verified = await client.save("BD_MATERIAL", material("V1", { FCreateOrgId: { FNumber: "999" }, FUseOrgId: { FNumber: "998" } }), { IsVerifyBaseDataField: true });
    expect(verified.Result.ResponseStatus).toMatchObject({
      MsgCode: 9,
      Errors: [
        { FieldName: "FCreateOrgId", Message: "字段“创建组织”的值[999]在系统中不存在", DIndex: 0 },
        { FieldName: "FUseOrgId", Message: "字段“使用组织”的值[998]在系统中不存在", DIndex: 0 },
      ],
    });
    const unitUnknown = await client.save("BD_MATERIAL", material("V2", { SubHeadEntity: { FBaseUnitId: { FNumber: "Crate" } } }), { IsVerifyBaseDataField: "true" });
    expect(unitUnknown.Result.ResponseStatus.Errors).toEqual([{ FieldName: "FBaseUnitId", Message: "字段“基本单位”的值[Crate]在系统中不存在", DIndex: 0 }]);
    const unverified = await client.save("BD_MATERIAL", material("V3", { FCreateOrgId: { FNumber: "999" } }));
    expect(unverified.Result.ResponseStatus).toMatchObject({ MsgCode: 11, Errors: [{ FieldName: "FCreateOrgId", Message: "字段“创建组织”是必填项" }] });
    expect(sim.forms.materials.size).toBe(0);
  });

  it("updates by FMATERIALID, also once audited (base data stays editable)", async () => {
    const created = await client.save("BD_MATERIAL", material("U1"), { IsAutoSubmitAndAudit: true });
    const id = created.Result.Id;
    const updated = await client.save("BD_MATERIAL", { FMATERIALID: id, FName: "新名字" }, { NeedUpDateFields: ["FName"] });
    expect(updated.Result).toMatchObject({ ResponseStatus: { IsSuccess: true }, Id: id, Number: "U1" });
    expect(await client.query({ FormId: "BD_MATERIAL", FieldKeys: "FName,FSpecification", FilterString: `FMATERIALID = ${String(id)}` })).toEqual([["新名字", "240g"]]);
    const missing = await client.save("BD_MATERIAL", { FMATERIALID: 1, FName: "x", FCreateOrgId: { FNumber: "100" } });
    expect(missing.Result.ResponseStatus).toMatchObject({ MsgCode: 10, Errors: [{ FieldName: "FMATERIALID" }] });
  });

  it("answers an unknown query key with Kingdee's text, MsgCode 9, wrapped", async () => {
    for (const key of ["FCustId", "FBaseUnitId.FCode", "FName.FNumber"]) {
      expect(await client.query({ FormId: "BD_MATERIAL", FieldKeys: `FNumber,${key}` })).toEqual([
        [{ Result: { ResponseStatus: expect.objectContaining({ IsSuccess: false, MsgCode: 9, Errors: [{ FieldName: null, Message: `元数据中标识为${key}的字段不存在`, DIndex: 0 }] }) } }],
      ]);
    }
  });

  it("Submits and Audits materials (A → B → C)", async () => {
    await client.save("BD_MATERIAL", material("S1"));
    expect((await client.operate("Submit", "BD_MATERIAL", { Numbers: ["S1"] })).Result.ResponseStatus).toMatchObject({ IsSuccess: true, SuccessEntitys: [{ Number: "S1", DIndex: 0 }] });
    expect((await client.operate("Audit", "BD_MATERIAL", { Numbers: ["S1"] })).Result.ResponseStatus).toMatchObject({ IsSuccess: true });
    expect(sim.forms.materials.list()[0]).toMatchObject({ FNumber: "S1", FDocumentStatus: "C" });
  });
});

describe("configured required keys", () => {
  it("takes them case-insensitively and refuses an unknown one at start", async () => {
    const strict = createKingdeeSimulator({ materialRequiredFields: ["fname", "FBaseUnitId"], outstockRequiredFields: ["FCustomerID", "FRealQty", "FNote"] });
    const options = { needUpdateFields: [], verifyBaseData: false, validate: true, autoSubmitAndAudit: false, deleteEntry: true, interactionFlags: [] };
    const material = strict.forms.materials.save([{ FNumber: "R1", SubHeadEntity: { FBaseUnitId: { FNumber: "nope" } } }], options);
    // An unknown unit is left empty and so is missing; the default (Pcs) only fills a key not sent.
    expect(material.errors.map((e) => e.Message)).toEqual(["字段“名称”是必填项", "字段“基本单位”是必填项"]);
    const bill = strict.forms.outstock.save([{ FCustomerID: { FNumber: "X" }, FEntity: [{ FRealQty: 1 }] }], options);
    expect(bill.errors.map((e) => e.FieldName)).toEqual(["FCustomerID", "FNote"]);
    expect(() => createKingdeeSimulator({ outstockRequiredFields: ["FCustId"] })).toThrow(/SAL_OUTSTOCK 没有字段 FCustId/);
  });
});
