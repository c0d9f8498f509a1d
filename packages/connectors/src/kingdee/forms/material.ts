// 物料新增: BatchSave on BD_MATERIAL (../../../../../../shared/protocols/kingdee-documents.md).
// Fields are listed in the order of the documented sample Model, which is the order they are sent
// in: Kingdee's ApiDoc warns that a field may be overwritten or lost when the order differs.
// Sub-head fields (基本 SubHeadEntity, 库存 SubHeadEntity1, 销售 SubHeadEntity2, 采购 SubHeadEntity3)
// are keyed `SubHeadEntity.FBaseUnitId` and nested on the wire.
import type { TargetApiMeta } from "../../types";
import { baseData, inSubHead, option, saveOptions, text, typed } from "./fields";

export const materialApi: TargetApiMeta = {
  kind: "target",
  id: "batchSave",
  name: "物料新增",
  nameEn: "Create materials (BatchSave)",
  formId: "BD_MATERIAL",
  fields: [
    baseData("FCreateOrgId", "创建组织", "Creating organisation", "100", { required: true }),
    baseData("FUseOrgId", "使用组织", "Using organisation", "100"),
    text("FNumber", "编码", "Material code", {
      description: "物料的唯一编码；不填时由金蝶按编码规则生成（此时断线后无法核对是否已写入，也无法更新）",
    }),
    text("FName", "名称", "Material name", { required: true }),
    text("FSpecification", "规格型号", "Specification"),
    text("FDescription", "描述", "Description"),
    baseData("FMaterialGroup", "物料分组", "Material group", "01"),
    // Required in the standard product, but Kingdee fills defaults when they are absent (its own
    // SDK demo saves a material without them), so a mapping need not set them.
    ...inSubHead("SubHeadEntity", [
      text("FErpClsID", "物料属性", "Material attribute", { description: "枚举值文本：1 = 外购；不填时金蝶取默认值" }),
      baseData("FCategoryID", "存货类别", "Inventory category", "CHLB01_SYS"),
      baseData("FTaxType", "税分类", "Tax category", "WLDSFL01_SYS"),
      baseData("FTaxRateId", "默认税率", "Default tax rate", "SL31_SYS"),
      baseData("FBaseUnitId", "基本单位", "Base unit", "Pcs"),
      text("FBARCODE", "条码", "Barcode"),
      typed("FIsPurchase", "允许采购", "Purchasable", "boolean"),
      typed("FIsInventory", "允许库存", "Stocked", "boolean"),
      typed("FIsSale", "允许销售", "Saleable", "boolean"),
    ]),
    ...inSubHead("SubHeadEntity1", [
      baseData("FStoreUnitID", "库存单位", "Stock unit", "Pcs"),
      typed("FIsBatchManage", "启用批号管理", "Batch managed", "boolean"),
    ]),
    ...inSubHead("SubHeadEntity2", [
      baseData("FSaleUnitId", "销售单位", "Sales unit", "Pcs"),
      baseData("FSalePriceUnitId", "销售计价单位", "Sales pricing unit", "Pcs"),
    ]),
    ...inSubHead("SubHeadEntity3", [
      baseData("FPurchaseUnitId", "采购单位", "Purchase unit", "Pcs"),
      baseData("FPurchasePriceUnitId", "采购计价单位", "Purchase pricing unit", "Pcs"),
    ]),
  ],
  numberField: "FNumber",
  idField: "FMATERIALID",
  nameField: "FName",
  options: [
    option("IsAutoSubmitAndAudit", "自动提交并审核", "Submit and audit after saving", true, "金蝶默认 false；集成方案默认打开：未审核的物料不能用在单据上", "false in Kingdee; on by default in a scheme: a material not audited cannot be used on bills"),
    ...saveOptions,
  ],
  batch: { defaultSize: 100, maxSize: 1000 },
  writeModes: ["create", "upsert"],
};
