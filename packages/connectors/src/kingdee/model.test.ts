// Model building without I/O: base-data wrapping in heads, sub-heads and entry rows, the sample
// Models' field order, and the BatchSave bodies (preview) of each form.
import { connectorMetaSchema, isEntryTable } from "@qiao/core";
import { describe, expect, it } from "vitest";
import type { TargetApiMeta, WriteRequest } from "../types";
import { customerApi } from "./forms/customer";
import { materialApi } from "./forms/material";
import { outstockApi } from "./forms/outstock";
import { kingdeeMeta, targetApiFor } from "./meta";
import { mappingKeyOf, saveBody, toModel, updatedFields, withId } from "./model";
import { previewBatch } from "./save";

describe("metadata", () => {
  it("declares three batchSave targets told apart by formId, 客户 first", () => {
    expect(connectorMetaSchema.parse(kingdeeMeta)).toEqual(kingdeeMeta);
    expect(kingdeeMeta.apis.map((a) => [a.id, a.kind === "target" && a.formId, a.name])).toEqual([
      ["batchSave", "BD_Customer", "客户新增"],
      ["batchSave", "BD_MATERIAL", "物料新增"],
      ["batchSave", "SAL_OUTSTOCK", "销售出库单新增"],
    ]);
    for (const api of [customerApi, materialApi, outstockApi]) expect(api.writeModes).toEqual(["create", "upsert"]);
    expect(targetApiFor("BD_Material")).toBe(materialApi);
    expect(targetApiFor("sal_outstock")).toBe(outstockApi);
    expect(targetApiFor("SAL_SaleOrder")).toBeUndefined();
  });

  it("BD_MATERIAL: FNumber / FMATERIALID, sub-head fields as dotted keys, no bill", () => {
    expect(materialApi).toMatchObject({ numberField: "FNumber", idField: "FMATERIALID" });
    expect(materialApi.bill).toBeUndefined();
    expect(materialApi.fields.filter((f) => f.required).map((f) => f.key)).toEqual(["FCreateOrgId", "FName"]);
    expect(materialApi.fields.filter((f) => f.baseData).map((f) => f.key)).toEqual(
      expect.arrayContaining(["FMaterialGroup", "SubHeadEntity.FCategoryID", "SubHeadEntity.FBaseUnitId", "SubHeadEntity1.FStoreUnitID", "SubHeadEntity3.FPurchasePriceUnitId"]),
    );
    expect(materialApi.fields.find((f) => f.key === "SubHeadEntity.FBARCODE")).toMatchObject({ label: "条码", labelEn: "Barcode", type: "string" });
  });

  it("SAL_OUTSTOCK: a bill with FBillNo / FID, FDocumentStatus C = audited, FEntity an entry table", () => {
    expect(outstockApi).toMatchObject({ numberField: "FBillNo", idField: "FID", bill: { statusField: "FDocumentStatus", auditedStatus: "C" } });
    expect(outstockApi.fields.filter((f) => f.required).map((f) => f.key)).toEqual(["FBillTypeID", "FDate", "FSaleOrgId", "FStockOrgId", "FCustomerID", "FEntity"]);
    expect(outstockApi.fields.find((f) => f.key === "SubHeadEntity.FSettleCurrID")).toMatchObject({ label: "结算币别", baseData: true });
    const entry = outstockApi.fields.find((f) => f.key === "FEntity")!;
    expect(isEntryTable(entry)).toBe(true);
    const rows = entry.fields!;
    expect(rows.filter((f) => f.required).map((f) => f.key)).toEqual(["FMaterialID", "FUnitID", "FRealQty", "FStockID"]);
    expect(rows.filter((f) => f.baseData).map((f) => f.key)).toEqual(["FMaterialID", "FUnitID", "FStockID", "FStockStatusID", "FOwnerID", "FKeeperID", "FLot"]);
    expect(rows.every((f) => f.label && f.labelEn)).toBe(true);
    expect(outstockApi.options.find((o) => o.key === "InterationFlags")).toMatchObject({ type: "string", default: "", label: "交互标志" });
    expect(customerApi.options.map((o) => o.key)).not.toContain("InterationFlags");
  });
});

describe("toModel", () => {
  it("wraps base-data codes as {FNumber}, passes objects and null, and sends keys in the form's order", () => {
    const model = toModel(customerApi, { FDescription: "", FName: "天猫旗舰店", FUseOrgId: 100, FNumber: "SHOP001", FCreateOrgId: "100", FCOUNTRY: { FNUMBER: "China" }, FGroup: null, FExtra: 1, FTEL: undefined });
    expect(JSON.stringify(model)).toBe(
      '{"FNumber":"SHOP001","FName":"天猫旗舰店","FCreateOrgId":{"FNumber":"100"},"FUseOrgId":{"FNumber":"100"},"FDescription":"","FCOUNTRY":{"FNUMBER":"China"},"FGroup":null,"FExtra":1}',
    );
  });

  it("BD_MATERIAL: nests dotted sub-head keys, wrapping by each sub-head's metadata, into the doc's sample Model", () => {
    const record = {
      "SubHeadEntity3.FPurchasePriceUnitId": "Pcs",
      FName: "脂排舞-蜜瓜味",
      "SubHeadEntity.FBARCODE": "6900000000000",
      "SubHeadEntity.FErpClsID": "1",
      "SubHeadEntity1.FIsBatchManage": false,
      FNumber: "F140384",
      "SubHeadEntity.FCategoryID": "CHLB01_SYS",
      "SubHeadEntity.FTaxType": "WLDSFL01_SYS",
      "SubHeadEntity.FTaxRateId": { FNUMBER: "SL31_SYS" },
      "SubHeadEntity.FBaseUnitId": "Pcs",
      "SubHeadEntity.FIsPurchase": true,
      "SubHeadEntity.FIsInventory": true,
      "SubHeadEntity.FIsSale": true,
      "SubHeadEntity1.FStoreUnitID": "Pcs",
      "SubHeadEntity2.FSaleUnitId": "Pcs",
      "SubHeadEntity2.FSalePriceUnitId": "Pcs",
      "SubHeadEntity3.FPurchaseUnitId": "Pcs",
      FSpecification: "240g",
      FMaterialGroup: "01",
      FUseOrgId: "100",
      FCreateOrgId: "100",
    };
    // kingdee-documents.md, BD_MATERIAL, the integrator's Model [K4], byte for byte.
    expect(JSON.stringify(toModel(materialApi, record))).toBe(
      '{"FCreateOrgId":{"FNumber":"100"},"FUseOrgId":{"FNumber":"100"},"FNumber":"F140384",' +
        '"FName":"脂排舞-蜜瓜味","FSpecification":"240g","FMaterialGroup":{"FNumber":"01"},' +
        '"SubHeadEntity":{"FErpClsID":"1","FCategoryID":{"FNumber":"CHLB01_SYS"},"FTaxType":{"FNumber":"WLDSFL01_SYS"},' +
        '"FTaxRateId":{"FNUMBER":"SL31_SYS"},"FBaseUnitId":{"FNumber":"Pcs"},"FBARCODE":"6900000000000",' +
        '"FIsPurchase":true,"FIsInventory":true,"FIsSale":true},' +
        '"SubHeadEntity1":{"FStoreUnitID":{"FNumber":"Pcs"},"FIsBatchManage":false},' +
        '"SubHeadEntity2":{"FSaleUnitId":{"FNumber":"Pcs"},"FSalePriceUnitId":{"FNumber":"Pcs"}},' +
        '"SubHeadEntity3":{"FPurchaseUnitId":{"FNumber":"Pcs"},"FPurchasePriceUnitId":{"FNumber":"Pcs"}}}',
    );
  });

  it("SAL_OUTSTOCK: head, sub-head and each entry row wrapped, into the doc's sample Model", () => {
    const record = {
      FEntity: [
        { FEntrynote: "SO842184115601", FMaterialID: "F01108", FRealQty: 1, FUnitID: "Pcs", FMustQty: 1, FTaxPrice: 25.0, FEntryTaxRate: 13, FIsFree: false, FStockID: "RM001", FStockStatusID: "KCZT01_SYS", FOwnerID: "100", FOwnerTypeID: "BD_OwnerOrg" },
      ],
      "SubHeadEntity.FExchangeRate": 1.0,
      "SubHeadEntity.FSettleCurrID": "PRE001",
      "SubHeadEntity.FSettleOrgID": "100",
      "SubHeadEntity.FLocalCurrID": "PRE001",
      "SubHeadEntity.FExchangeTypeID": "HLTX01_SYS",
      "SubHeadEntity.FIsIncludedTax": true,
      FNote: "GY s842184115601",
      FBillNo: "SDO842184194341",
      FBillTypeID: { FNUMBER: "XSCKD01_SYS" },
      FDate: "2025-03-28",
      FSaleOrgId: "100",
      FStockOrgId: "100",
      FCustomerID: "RMSHOP001",
      FSaleDeptID: "BM000001",
      FReceiverID: "RMSHOP001",
      FSettleID: "RMSHOP001",
      FPayerID: "RMSHOP001",
      FOwnerTypeIdHead: "BD_OwnerOrg",
      FCarriageNO: "SF3147682322520",
    };
    // kingdee-documents.md, SAL_OUTSTOCK, the Model assembled from [K6] [K7] [K9], byte for byte.
    expect(JSON.stringify(withId(outstockApi, toModel(outstockApi, record), 0))).toBe(
      '{"FID":0,"FBillTypeID":{"FNUMBER":"XSCKD01_SYS"},"FBillNo":"SDO842184194341","FDate":"2025-03-28",' +
        '"FSaleOrgId":{"FNumber":"100"},"FStockOrgId":{"FNumber":"100"},"FCustomerID":{"FNumber":"RMSHOP001"},' +
        '"FSaleDeptID":{"FNumber":"BM000001"},"FReceiverID":{"FNumber":"RMSHOP001"},' +
        '"FSettleID":{"FNumber":"RMSHOP001"},"FPayerID":{"FNumber":"RMSHOP001"},"FOwnerTypeIdHead":"BD_OwnerOrg",' +
        '"FCarriageNO":"SF3147682322520","FNote":"GY s842184115601",' +
        '"SubHeadEntity":{"FSettleCurrID":{"FNumber":"PRE001"},"FSettleOrgID":{"FNumber":"100"},' +
        '"FLocalCurrID":{"FNumber":"PRE001"},"FExchangeTypeID":{"FNumber":"HLTX01_SYS"},"FExchangeRate":1,' +
        '"FIsIncludedTax":true},' +
        '"FEntity":[{"FMaterialID":{"FNumber":"F01108"},"FUnitID":{"FNumber":"Pcs"},"FMustQty":1,"FRealQty":1,' +
        '"FTaxPrice":25,"FEntryTaxRate":13,"FIsFree":false,"FStockID":{"FNumber":"RM001"},' +
        '"FStockStatusID":{"FNumber":"KCZT01_SYS"},"FOwnerTypeID":"BD_OwnerOrg","FOwnerID":{"FNumber":"100"},' +
        '"FEntrynote":"SO842184115601"}]}',
    );
  });

  it("keeps a sub-head given whole (dotted keys win) and rows that are not objects", () => {
    const model = toModel(outstockApi, {
      SubHeadEntity: { FExchangeRate: 7, FSettleCurrID: { FNumber: "USD" } },
      "SubHeadEntity.FSettleCurrID": "PRE001",
      "SubHeadX.FCustom": "x",
      FEntity: [{ FStockID: 5, FLot: null }, "raw"],
    });
    expect(model).toEqual({
      SubHeadEntity: { FSettleCurrID: { FNumber: "PRE001" }, FExchangeRate: 7 },
      FEntity: [{ FStockID: { FNumber: "5" }, FLot: null }, "raw"],
      SubHeadX: { FCustom: "x" },
    });
    expect(Object.keys(model.SubHeadEntity as object)).toEqual(["FSettleCurrID", "FExchangeRate"]);
    expect(Object.keys(model)).toEqual(["SubHeadEntity", "FEntity", "SubHeadX"]);
  });

  it("names sub-heads and entry tables with their fields in NeedUpDateFields", () => {
    expect(
      updatedFields(outstockApi, [
        { FID: 9, FBillNo: "B1", "SubHeadEntity.FSettleCurrID": "PRE001", FEntity: [{ FMaterialID: "M", FRealQty: 1 }, { FStockID: "S" }] },
        { FBillNo: "B2", FNote: "n", FDate: undefined },
      ]),
    ).toEqual(["FBillNo", "SubHeadEntity", "FSettleCurrID", "FEntity", "FMaterialID", "FRealQty", "FStockID", "FNote"]);
  });
});

describe("mappingKeyOf", () => {
  it("turns Kingdee's bare FieldName into the mapping's key: head as is, sub-head dotted, row with its 1-based number", () => {
    expect(mappingKeyOf(outstockApi, "FCustomerID", "字段“客户”是必填项")).toBe("FCustomerID");
    expect(mappingKeyOf(outstockApi, "FSettleCurrID", "字段“结算币别”是必填项")).toBe("SubHeadEntity.FSettleCurrID");
    expect(mappingKeyOf(outstockApi, "FStockID", "单据体实体【明细信息】第【2】行分录，【仓库】字段必录")).toBe("FEntity[2].FStockID");
    expect(mappingKeyOf(outstockApi, "FStockID", "单据体“明细信息”第12行字段“仓库”是必填项")).toBe("FEntity[12].FStockID");
    expect(mappingKeyOf(outstockApi, "FStockID", "仓库不存在")).toBe("FStockID");
    expect(mappingKeyOf(materialApi, "FBaseUnitId", "")).toBe("SubHeadEntity.FBaseUnitId");
    expect(mappingKeyOf(customerApi, "FNumber", "违反字段唯一性要求：编码唯一。[第1行]在当前系统中已经被使用。")).toBe("FNumber");
    expect(mappingKeyOf(outstockApi, "AbstractInteractionResult", "第1行")).toBe("AbstractInteractionResult");
  });

  // kingdee-documents.md § How errors come back: FieldName is the bare key, the row (1-based) is
  // only in the message, in whichever wording the version uses. One case per documented form.
  it.each([
    ["SAL_OUTSTOCK's required row field [K7]", "FStockID", "单据体实体【明细信息】第【2】行分录，【仓库】字段必录", "FEntity[2].FStockID"],
    ["STK_InStock's required row field [K13]", "FStockID", "单据体“明细信息”第1行字段“仓库”是必填项", "FEntity[1].FStockID"],
    ["PRD_MO's row check [K13]", "FRealQty", "第1行分录，数量大于入库上限！", "FEntity[1].FRealQty"],
    ["a multi-digit row", "FMaterialID", "单据体实体【明细信息】第【107】行分录，【物料编码】字段必录", "FEntity[107].FMaterialID"],
    ["spaces around the number", "FUnitID", "单据体“明细信息”第 3 行字段“库存单位”是必填项", "FEntity[3].FUnitID"],
    ["an unknown base-data code on a row, the [K7] row wording (simulator)", "FStockID", "单据体实体【明细信息】第【2】行分录，字段“仓库”的值[CK999]在系统中不存在", "FEntity[2].FStockID"],
  ])("names the row of %s", (_form, fieldName, message, key) => {
    expect(mappingKeyOf(outstockApi, fieldName, message)).toBe(key);
  });

  // Not a documented 金蝶 form: the simulator wrote it before session 19 and the engine recorded
  // the bare FStockID for it (DESIGN.md: errors name the row).
  it("reads a FEntity[n].Key reference to the same field, whatever the wording around it", () => {
    expect(mappingKeyOf(outstockApi, "FStockID", "字段“仓库”的值[CK999]在系统中不存在（FEntity[2].FStockID）")).toBe("FEntity[2].FStockID");
    expect(mappingKeyOf(outstockApi, "FStockID", "FEntity[ 12 ].FStockID：仓库不存在")).toBe("FEntity[12].FStockID");
    // The reference names its own row, over a 第n行 elsewhere in the text; a custom row field too.
    expect(mappingKeyOf(outstockApi, "FStockID", "第【1】行分录：FEntity[3].FStockID 不存在")).toBe("FEntity[3].FStockID");
    expect(mappingKeyOf(outstockApi, "F_PAEZ_Note", "FEntity[4].F_PAEZ_Note 过长")).toBe("FEntity[4].F_PAEZ_Note");
    // Another field's reference, a longer key, or row 0 names no row of this field.
    expect(mappingKeyOf(outstockApi, "FStockID", "（FEntity[2].FStockStatusID）")).toBe("FStockID");
    expect(mappingKeyOf(outstockApi, "FStockID", "（FEntity[2].FMaterialID）")).toBe("FStockID");
    expect(mappingKeyOf(outstockApi, "FStockID", "（FEntity[0].FStockID）")).toBe("FStockID");
    // A head field stays the head field, whatever the message says.
    expect(mappingKeyOf(outstockApi, "FCustomerID", "（FEntity[2].FCustomerID）")).toBe("FCustomerID");
  });
});

describe("BatchSave bodies", () => {
  const outstock = (extra: Partial<WriteRequest> = {}): WriteRequest => ({
    api: "batchSave",
    formId: "SAL_OUTSTOCK",
    records: [{ FBillNo: "B1", FCustomerID: "C1", FEntity: [{ FMaterialID: "M1", FRealQty: 2 }, { FMaterialID: "M2", FRealQty: 1 }] }],
    options: { IsAutoSubmitAndAudit: true },
    mode: "create",
    ...extra,
  });
  const defaults = (api: TargetApiMeta) => Object.fromEntries(api.options.filter((o) => o.default !== "").map((o) => [o.key, o.default]));

  it("previews the exact wire body, rows included; upsert sends id 0 first", () => {
    const rows = [
      { FMaterialID: { FNumber: "M1" }, FRealQty: 2 },
      { FMaterialID: { FNumber: "M2" }, FRealQty: 1 },
    ];
    expect(previewBatch(outstock())).toEqual({
      request: { formid: "SAL_OUTSTOCK", data: { ...defaults(outstockApi), NeedUpDateFields: [], Model: [{ FBillNo: "B1", FCustomerID: { FNumber: "C1" }, FEntity: rows }] } },
      records: [{ FBillNo: "B1", FCustomerID: { FNumber: "C1" }, FEntity: rows }],
    });
    const upsert = previewBatch(outstock({ mode: "upsert" }));
    expect(Object.keys(upsert.records[0] as object)).toEqual(["FID", "FBillNo", "FCustomerID", "FEntity"]);
    const material = previewBatch({ api: "batchSave", formId: "BD_MATERIAL", records: [{ FNumber: "M1", "SubHeadEntity.FBaseUnitId": "Pcs" }], options: {}, mode: "upsert" });
    expect(material.request).toEqual({
      formid: "BD_MATERIAL",
      data: { ...defaults(materialApi), NeedUpDateFields: [], Model: [{ FMATERIALID: 0, FNumber: "M1", SubHeadEntity: { FBaseUnitId: { FNumber: "Pcs" } } }] },
    });
  });

  it("saves without auditing when the bill is audited separately, and sends InterationFlags only when set", () => {
    const separate = saveBody(outstockApi, { formId: "SAL_OUTSTOCK", options: { IsAutoSubmitAndAudit: true }, audit: "separate" }, [], []);
    expect(separate).toMatchObject({ data: { IsAutoSubmitAndAudit: false } });
    expect(separate.data).not.toHaveProperty("InterationFlags");
    const flagged = saveBody(outstockApi, { formId: "SAL_OUTSTOCK", options: { InterationFlags: "STK_InvCheckResult" }, audit: "withSave" }, [], []);
    expect(flagged).toMatchObject({ data: { IsAutoSubmitAndAudit: true, InterationFlags: "STK_InvCheckResult" } });
    // Base data has no audit of its own to separate: the options decide.
    expect(saveBody(materialApi, { formId: "BD_MATERIAL", options: {}, audit: "separate" }, [], [])).toMatchObject({ data: { IsAutoSubmitAndAudit: true } });
  });

  it("refuses a form or an API it does not have, before sending anything", () => {
    expect(() => previewBatch(outstock({ formId: "SAL_SaleOrder" }))).toThrow("SAL_SaleOrder");
    expect(() => previewBatch(outstock({ api: "save" }))).toThrow("save");
  });
});
