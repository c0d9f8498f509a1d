// BD_MATERIAL (物料) as the generic document store sees it: keys, places and defaults from
// shared/protocols/kingdee-documents.md. Required: FName and FCreateOrgId ([K5]; FNumber is not
// flagged there, so an absent one gets the coding rule's WL000001 … — ours). The sub-heads'
// defaults (物料属性 1 外购, 存货类别 CHLB01_SYS, 基本单位 Pcs, other units = the base unit) stand in for
// the "defaulted" of the doc; the values are ours.
import { ENUMS } from "./base-data";
import { requiredKeys, type FieldSpec, type FormSpec } from "./form-spec";

type Row = Record<string, unknown>;
const baseUnit = (head: Row) => (head.SubHeadEntity as Row | undefined)?.FBaseUnitId;

const FIELDS: Record<string, FieldSpec> = {
  FNumber: { label: "编码" },
  FName: { label: "名称" },
  FSpecification: { label: "规格型号" },
  FDescription: { label: "描述" },
  FMnemonicCode: { label: "助记码" },
  FOldNumber: { label: "旧物料编码" },
  FCreateOrgId: { label: "创建组织", ref: "org" },
  FUseOrgId: { label: "使用组织", ref: "org", fallback: (head: Row) => head.FCreateOrgId },
  FMaterialGroup: { label: "物料分组", ref: "materialGroup" },
  FErpClsID: { label: "物料属性", at: "SubHeadEntity", type: "enum", values: ENUMS.erpCls, fallback: "1" },
  FCategoryID: { label: "存货类别", at: "SubHeadEntity", ref: "category", fallback: { FNumber: "CHLB01_SYS" } },
  FBaseUnitId: { label: "基本单位", at: "SubHeadEntity", ref: "unit", fallback: { FNumber: "Pcs" } },
  FTaxRateId: { label: "默认税率", at: "SubHeadEntity", ref: "taxRate" },
  FTaxType: { label: "税分类", at: "SubHeadEntity", ref: "taxType" },
  FBARCODE: { label: "条码", at: "SubHeadEntity" },
  FIsPurchase: { label: "允许采购", at: "SubHeadEntity", type: "bool", fallback: true },
  FIsInventory: { label: "允许库存", at: "SubHeadEntity", type: "bool", fallback: true },
  FIsSale: { label: "允许销售", at: "SubHeadEntity", type: "bool", fallback: true },
  FGROSSWEIGHT: { label: "毛重", at: "SubHeadEntity", type: "number" },
  FNETWEIGHT: { label: "净重", at: "SubHeadEntity", type: "number" },
  FStoreUnitID: { label: "库存单位", at: "SubHeadEntity1", ref: "unit", fallback: baseUnit },
  FIsBatchManage: { label: "启用批号管理", at: "SubHeadEntity1", type: "bool", fallback: false },
  FSaleUnitId: { label: "销售单位", at: "SubHeadEntity2", ref: "unit", fallback: baseUnit },
  FSalePriceUnitId: { label: "销售计价单位", at: "SubHeadEntity2", ref: "unit", fallback: baseUnit },
  FPurchaseUnitId: { label: "采购单位", at: "SubHeadEntity3", ref: "unit", fallback: baseUnit },
  FPurchasePriceUnitId: { label: "采购计价单位", at: "SubHeadEntity3", ref: "unit", fallback: baseUnit },
};

export const DEFAULT_MATERIAL_REQUIRED = ["FName", "FCreateOrgId"];

export function materialSpec(required: readonly string[] = DEFAULT_MATERIAL_REQUIRED): FormSpec {
  return {
    formId: "BD_MATERIAL",
    name: "物料",
    idKey: "FMATERIALID",
    numberKey: "FNumber",
    numberPerOrg: true,
    autoNumber: (n) => `WL${String(n).padStart(6, "0")}`,
    fields: FIELDS,
    required: requiredKeys("BD_MATERIAL", FIELDS, required),
    lockedWhenAudited: false,
    firstId: 200001,
  };
}
