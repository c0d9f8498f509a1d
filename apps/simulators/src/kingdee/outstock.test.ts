// SAL_OUTSTOCK over HTTP against kingdee-documents.md: the doc's Model, required fields with the
// [K7] wordings, base-data checks naming field and row, FBillNo uniqueness and the coding rule,
// updates before and after audit, and ExecuteBillQuery with entry fields (one row per entry row).
import { describe, expect, it } from "vitest";
import { outstock, row, useSimulator } from "./test-client";

const { sim, client } = useSimulator({ parties: true });

describe("SAL_OUTSTOCK save", () => {
  it("saves the doc's Model (FNUMBER and FNumber alike) as 创建 (A), computes amounts, and View shows it", async () => {
    const answer = await client.save("SAL_OUTSTOCK", outstock("SDO842184194341", [row("F01108", 2), row("F01109", 1, { FBillTypeID: undefined, FTaxPrice: 0, FIsFree: true })]));
    expect(answer).toMatchObject({ Result: { ResponseStatus: { IsSuccess: true, Errors: [], SuccessEntitys: [{ Id: expect.any(Number), Number: "SDO842184194341", DIndex: 0 }], MsgCode: 0 }, Number: "SDO842184194341" } });
    const view = await client.view("SAL_OUTSTOCK", { Number: "SDO842184194341" });
    expect(view.Result.ResponseStatus.IsSuccess).toBe(true);
    expect(view.Result.Result).toMatchObject({
      Id: answer.Result.Id,
      Number: "SDO842184194341",
      FID: answer.Result.Id,
      FBillNo: "SDO842184194341",
      FDocumentStatus: "A",
      FDate: "2025-03-28T00:00:00",
      FBillTypeID: { FNumber: "XSCKD01_SYS" },
      FCustomerID: { FNumber: "RMSHOP001" },
      FOwnerIdHead: { FNumber: "100" },
      SubHeadEntity: { FSettleCurrID: { FNumber: "PRE001" }, FBillAllAmount: 50 },
      FEntity: [
        { FEntryID: expect.any(Number), FMaterialID: { FNumber: "F01108" }, FRealQty: 2, FTaxPrice: 25, FAllAmount: 50, FAmount: 44.25, FTaxAmount: 5.75, FKeeperID: { FNumber: "100" } },
        { FMaterialID: { FNumber: "F01109" }, FRealQty: 1, FAllAmount: 0, FIsFree: true },
      ],
    });
    const byId = await client.view("SAL_OUTSTOCK", { Id: answer.Result.Id });
    expect(byId.Result.Result).toMatchObject({ FBillNo: "SDO842184194341" });
    const absent = await client.view("SAL_OUTSTOCK", { Number: "NOPE" });
    expect(absent.Result.ResponseStatus).toMatchObject({ IsSuccess: false, MsgCode: 10 });
  });

  it("reports missing head and row fields with the [K7] wordings: bare FieldName, DIndex = the Model's index, MsgCode 11", async () => {
    const noCustomer = outstock("B1", [row("F01108", 1, { FStockID: undefined }), row("F01109", 1, { FStockID: { FNumber: "" } })], { FCustomerID: undefined });
    const answer = await client.batchSave("SAL_OUTSTOCK", [noCustomer, outstock("B2", [row("F01108", 0)], { FCustomerID: { FNumber: "" }, FDate: undefined })]);
    expect(answer.Result.ResponseStatus).toEqual({
      ErrorCode: 500,
      IsSuccess: false,
      Errors: [
        { FieldName: "FCustomerID", Message: "字段“客户”是必填项", DIndex: 0 },
        { FieldName: "FStockID", Message: "单据体实体【明细信息】第【1】行分录，【仓库】字段必录", DIndex: 0 },
        { FieldName: "FStockID", Message: "单据体实体【明细信息】第【2】行分录，【仓库】字段必录", DIndex: 0 },
        { FieldName: "FDate", Message: "字段“日期”是必填项", DIndex: 1 },
        { FieldName: "FCustomerID", Message: "字段“客户”是必填项", DIndex: 1 },
        { FieldName: "FRealQty", Message: "单据体实体【明细信息】第【1】行分录，【实发数量】必须大于0", DIndex: 1 },
      ],
      SuccessEntitys: [],
      SuccessMessages: [],
      MsgCode: 11,
    });
    const badOwner = await client.save("SAL_OUTSTOCK", outstock("B4", [row("F01108", 1, { FOwnerTypeID: "BD_Owner" })]));
    expect(badOwner.Result.ResponseStatus).toMatchObject({
      MsgCode: 8,
      Errors: [{ FieldName: "FOwnerTypeID", Message: "单据体实体【明细信息】第【1】行分录，字段“货主类型”的值“BD_Owner”无效，应为 BD_OwnerOrg、BD_Supplier、BD_Customer 之一", DIndex: 0 }],
    });
    const noRows = await client.save("SAL_OUTSTOCK", outstock("B3", []));
    expect(noRows.Result.ResponseStatus.Errors).toEqual([{ FieldName: "FEntity", Message: "单据体实体【明细信息】至少要有一行分录", DIndex: 0 }]);
    expect(sim.forms.outstock.size).toBe(0);
  });

  // The row is named as 金蝶 names rows ([K7], kingdee-documents.md § How errors come back): in the
  // message, 1-based; FieldName stays the bare key. It used to be `（FEntity[2].FMaterialID）`, a form
  // the connector did not read, so the engine recorded the bare key without the row.
  it("with IsVerifyBaseDataField true names an unknown code's field and, on a row, the row in the [K7] wording, MsgCode 9", async () => {
    const model = outstock("V1", [row("F01108", 1), row("NOPE", 1), row("F01109", 1, { FStockID: { FNumber: "WH01" } })], { FCustomerID: { FNumber: "GHOST" } });
    const answer = await client.save("SAL_OUTSTOCK", model, { IsVerifyBaseDataField: true });
    expect(answer.Result.ResponseStatus).toMatchObject({
      IsSuccess: false,
      MsgCode: 9,
      Errors: [
        { FieldName: "FCustomerID", Message: "字段“客户”的值[GHOST]在系统中不存在", DIndex: 0 },
        { FieldName: "FMaterialID", Message: "单据体实体【明细信息】第【2】行分录，字段“物料编码”的值[NOPE]在系统中不存在", DIndex: 0 },
        { FieldName: "FStockID", Message: "单据体实体【明细信息】第【3】行分录，字段“仓库”的值[WH01]在系统中不存在", DIndex: 0 },
      ],
    });
    const unit = await client.save("SAL_OUTSTOCK", outstock("V2", [row("F01108", 1, { FUnitID: { FNumber: "Crate" } })], { FStockOrgId: { FNumber: "555" } }), { IsVerifyBaseDataField: true });
    expect(unit.Result.ResponseStatus.Errors).toEqual([
      { FieldName: "FStockOrgId", Message: "字段“发货组织”的值[555]在系统中不存在", DIndex: 0 },
      { FieldName: "FUnitID", Message: "单据体实体【明细信息】第【1】行分录，字段“库存单位”的值[Crate]在系统中不存在", DIndex: 0 },
    ]);
  });

  it("with IsVerifyBaseDataField false leaves an unknown code empty, so the required check reports it", async () => {
    const model = outstock("V3", [row("F01108", 1), row("NOPE", 1, { FStockID: { FNumber: "WH01" } })], { FCustomerID: { FNumber: "GHOST" } });
    const answer = await client.save("SAL_OUTSTOCK", model);
    expect(answer.Result.ResponseStatus).toMatchObject({
      MsgCode: 11,
      Errors: [
        { FieldName: "FCustomerID", Message: "字段“客户”是必填项", DIndex: 0 },
        { FieldName: "FMaterialID", Message: "单据体实体【明细信息】第【2】行分录，【物料编码】字段必录", DIndex: 0 },
        { FieldName: "FStockID", Message: "单据体实体【明细信息】第【2】行分录，【仓库】字段必录", DIndex: 0 },
      ],
    });
  });

  it("keeps FBillNo unique (duplicate message, FieldName FBillNo, MsgCode 11) and numbers a bill without one XSCKD000001 …", async () => {
    expect((await client.save("SAL_OUTSTOCK", outstock("SDO1"))).Result.ResponseStatus.IsSuccess).toBe(true);
    const again = await client.batchSave("SAL_OUTSTOCK", [outstock("SDO1"), outstock(undefined), outstock(undefined)]);
    expect(again.Result.ResponseStatus).toMatchObject({
      IsSuccess: false,
      MsgCode: 11,
      Errors: [{ FieldName: "FBillNo", Message: "违反字段唯一性要求：编码唯一。[SDO1]在当前系统中已经被使用。", DIndex: 0 }],
      SuccessEntitys: [
        { Number: "XSCKD000001", DIndex: 1 },
        { Number: "XSCKD000002", DIndex: 2 },
      ],
    });
    expect(sim.stats()).toMatchObject({ duplicateAttempts: 1, forms: { SAL_OUTSTOCK: { records: 3, duplicateAttempts: 1 } } });
  });

  it("updates an unaudited bill by FID (the rows replaced, or merged by FEntryID with IsDeleteEntry false) and refuses an audited one", async () => {
    const created = await client.save("SAL_OUTSTOCK", outstock("UPD1", [row("F01108", 1), row("F01109", 2)]));
    const fid = created.Result.Id as number;
    const replaced = await client.save("SAL_OUTSTOCK", { ...outstock("UPD1", [row("F01110", 5)]), FID: fid, FNote: "改过" });
    expect(replaced.Result).toMatchObject({ ResponseStatus: { IsSuccess: true }, Id: fid, Number: "UPD1" });
    const rows = () => client.query({ FormId: "SAL_OUTSTOCK", FieldKeys: "FBillNo,FNote,FMaterialID.FNumber,FRealQty,FEntity_FEntryID", FilterString: "FBillNo = 'UPD1'" });
    const afterReplace = await rows();
    expect(afterReplace.map((r) => r.slice(0, 4))).toEqual([["UPD1", "改过", "F01110", 5]]);
    const entryId = afterReplace[0]![4];
    const merged = await client.save("SAL_OUTSTOCK", { FID: fid, FEntity: [{ FEntryID: entryId, FRealQty: 7 }, row("F01108", 1)] }, { IsDeleteEntry: false, NeedUpDateFields: ["FEntity"] });
    expect(merged.Result.ResponseStatus.IsSuccess).toBe(true);
    expect(await rows()).toEqual([
      ["UPD1", "改过", "F01110", 7, entryId],
      ["UPD1", "改过", "F01108", 1, expect.any(Number)],
    ]);
    sim.forms.stock.set("100", "CK001", "F01110", 100);
    sim.forms.stock.set("100", "CK001", "F01108", 100);
    await client.operate("Submit", "SAL_OUTSTOCK", { Numbers: ["UPD1"] });
    // Submitted (审核中): locked as well until the submission is withdrawn.
    const submitted = await client.save("SAL_OUTSTOCK", { ...outstock("UPD1"), FID: fid });
    expect(submitted.Result.ResponseStatus).toMatchObject({ IsSuccess: false, MsgCode: 11, Errors: [{ FieldName: null, Message: "审核中的单据不能修改，请先撤销提交", DIndex: 0 }] });
    expect((await client.operate("Audit", "SAL_OUTSTOCK", { Numbers: ["UPD1"] })).Result.ResponseStatus.IsSuccess).toBe(true);
    const refused = await client.save("SAL_OUTSTOCK", { ...outstock("UPD1"), FID: fid });
    expect(refused.Result).toMatchObject({ ResponseStatus: { IsSuccess: false, MsgCode: 11, Errors: [{ FieldName: null, Message: "已审核的单据不能修改", DIndex: 0 }] }, Id: "", Number: "" });
    const unknown = await client.save("SAL_OUTSTOCK", { ...outstock("UPD2"), FID: 42 });
    expect(unknown.Result.ResponseStatus).toMatchObject({ MsgCode: 10, Errors: [{ FieldName: "FID" }] });
  });
});

describe("SAL_OUTSTOCK ExecuteBillQuery", () => {
  it("answers one row per entry row when an entry field is asked for, head values repeated; one per bill otherwise", async () => {
    await client.batchSave("SAL_OUTSTOCK", [
      outstock("Q1", [row("F01108", 1), row("F01109", 2), row("F01110", 3)]),
      outstock("Q2", [row("F01108", 4), row("F01109", 5), row("F01110", 6, { FTaxPrice: 10 })]),
      outstock("Q3", [row("F01108", 7)], { FCustomerID: { FNumber: "RMSHOP001" }, FDate: "2025-04-01 10:30:00" }),
    ]);
    const keys = "FID,FBillNo,FDocumentStatus,FCustomerID.FNumber,FDate,FMaterialID.FNumber,FRealQty,FTaxPrice,FAllAmount";
    const rows = await client.query({ FormId: "SAL_OUTSTOCK", FieldKeys: keys, FilterString: "FBillNo in ('Q1','Q2')" });
    expect(rows).toHaveLength(6);
    expect(rows[0]).toEqual([expect.any(Number), "Q1", "A", "RMSHOP001", "2025-03-28T00:00:00", "F01108", 1, 25, 25]);
    expect(rows[5]).toEqual([rows[3]![0], "Q2", "A", "RMSHOP001", "2025-03-28T00:00:00", "F01110", 6, 10, 60]);
    expect(await client.query({ FormId: "SAL_OUTSTOCK", FieldKeys: "FBillNo,FDate,FCustomerID.FName" })).toEqual([
      ["Q1", "2025-03-28T00:00:00", "天猫旗舰店"],
      ["Q2", "2025-03-28T00:00:00", "天猫旗舰店"],
      ["Q3", "2025-04-01T10:30:00", "天猫旗舰店"],
    ]);
    // A filter on an entry field also expands, and paging counts result rows.
    expect(await client.query({ FormId: "SAL_OUTSTOCK", FieldKeys: "FBillNo", FilterString: "FRealQty >= 3", StartRow: 1, Limit: 2 })).toEqual([["Q2"], ["Q2"]]);
    expect(await client.query({ FormId: "SAL_OUTSTOCK", FieldKeys: "FBillNo,FRealQty", StartRow: 5, Limit: 10 })).toEqual([["Q2", 6], ["Q3", 7]]);
  });

  it("takes FilterString in the newer array form too", async () => {
    await client.batchSave("SAL_OUTSTOCK", [outstock("A1"), outstock("A2"), outstock("A3")]);
    const filter = [
      { Left: "(", FieldName: "FBillNo", Compare: "=", Value: "A1", Right: "", Logic: 1 },
      { Left: "", FieldName: "FBillNo", Compare: "=", Value: "A3", Right: ")", Logic: 0 },
      { Left: "", FieldName: "FDocumentStatus", Compare: "=", Value: "A", Right: "", Logic: 0 },
    ];
    expect(await client.query({ FormId: "SAL_OUTSTOCK", FieldKeys: "FBillNo", FilterString: filter })).toEqual([["A1"], ["A3"]]);
    expect(await client.query({ FormId: "SAL_OUTSTOCK", FieldKeys: "FID", FilterString: JSON.stringify([{ Left: "", FieldName: "FBillNo", Compare: "=", Value: "A2", Right: "", Logic: 0 }]) })).toEqual([[expect.any(Number)]]);
    expect(await client.query({ FormId: "SAL_OUTSTOCK", FieldKeys: "FBillNo", FilterString: [{ FieldName: "FBillNo", Compare: "in", Value: "A1,A2" }] })).toEqual([["A1"], ["A2"]]);
    expect(await client.query({ FormId: "SAL_OUTSTOCK", FieldKeys: "FBillNo", FilterString: [{ FieldName: "FBillNo", Compare: "~", Value: "A1" }] })).toMatchObject([[{ Result: { ResponseStatus: { MsgCode: 8 } } }]]);
  });

  it("answers an unknown key (also in the filter) with `元数据中标识为X的字段不存在`", async () => {
    for (const [keys, filter, bad] of [["FBillNo,FCustId", "", "FCustId"], ["FBillNo", "FMaterialId.FCode = 'x'", "FMaterialId.FCode"]] as const) {
      expect(await client.query({ FormId: "SAL_OUTSTOCK", FieldKeys: keys, FilterString: filter })).toMatchObject([[{ Result: { ResponseStatus: { MsgCode: 9, Errors: [{ Message: `元数据中标识为${bad}的字段不存在` }] } } }]]);
    }
  });
});
