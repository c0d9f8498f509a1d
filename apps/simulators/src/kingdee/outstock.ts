// SAL_OUTSTOCK (销售出库单) as the generic document store sees it: the Model of
// shared/protocols/kingdee-documents.md. Required (the doc's "our choice", configurable): head
// FBillTypeID, FDate, FSaleOrgId, FStockOrgId, FCustomerID; rows FMaterialID, FUnitID, FStockID,
// FRealQty > 0. Defaults (ours, standing in for the doc's "defaulted"): owner/keeper = the stock org,
// receiver/settler/payer = the customer, settlement in PRE001 at rate 1 (HLTX01_SYS) by the sale org,
// stock status KCZT01_SYS, FMustQty = FRealQty. Amounts are computed on save (ours): the tax-inclusive
// price FTaxPrice (or FPrice × (1 + rate)) × FRealQty − FDiscount = FAllAmount, split into FAmount and
// FTaxAmount by FEntryTaxRate (percent); the head's SubHeadEntity sums them.
import { ENUMS } from "./base-data";
import { requiredKeys, type FieldSpec, type FormSpec } from "./form-spec";

type Row = Record<string, unknown>;
const head = (key: string) => (h: Row) => h[key];

const FIELDS: Record<string, FieldSpec> = {
  FBillTypeID: { label: "单据类型", ref: "billType" },
  FBillNo: { label: "单据编号" },
  FDate: { label: "日期", type: "date" },
  FSaleOrgId: { label: "销售组织", ref: "org" },
  FStockOrgId: { label: "发货组织", ref: "org" },
  FCustomerID: { label: "客户", ref: "customer" },
  FSaleDeptID: { label: "销售部门", ref: "dept" },
  FSalesManID: { label: "销售员", ref: "staff" },
  FStockerID: { label: "仓管员", ref: "staff" },
  FDeliveryDeptID: { label: "发货部门", ref: "dept" },
  FReceiverID: { label: "收货方", ref: "customer", fallback: head("FCustomerID") },
  FSettleID: { label: "结算方", ref: "customer", fallback: head("FCustomerID") },
  FPayerID: { label: "付款方", ref: "customer", fallback: head("FCustomerID") },
  FOwnerTypeIdHead: { label: "货主类型", type: "enum", values: ENUMS.ownerType, fallback: "BD_OwnerOrg" },
  FOwnerIdHead: { label: "货主", ref: "org", fallback: head("FStockOrgId") },
  FCarriageNO: { label: "运输单号" },
  FLinkMan: { label: "收货人" },
  FLinkPhone: { label: "联系电话" },
  FReceiveAddress: { label: "收货地址" },
  FNote: { label: "备注" },
  FSettleCurrID: { label: "结算币别", at: "SubHeadEntity", ref: "currency", fallback: { FNumber: "PRE001" } },
  FSettleOrgID: { label: "结算组织", at: "SubHeadEntity", ref: "org", fallback: head("FSaleOrgId") },
  FLocalCurrID: { label: "本位币", at: "SubHeadEntity", ref: "currency", fallback: { FNumber: "PRE001" } },
  FExchangeTypeID: { label: "汇率类型", at: "SubHeadEntity", ref: "exchangeType", fallback: { FNumber: "HLTX01_SYS" } },
  FExchangeRate: { label: "汇率", at: "SubHeadEntity", type: "number", fallback: 1 },
  FIsIncludedTax: { label: "是否含税", at: "SubHeadEntity", type: "bool", fallback: true },
  FIsPriceExcludeTax: { label: "价外税", at: "SubHeadEntity", type: "bool", fallback: true },
  FBillAmount: { label: "税额前金额", at: "SubHeadEntity", type: "number" },
  FBillTaxAmount: { label: "税额", at: "SubHeadEntity", type: "number" },
  FBillAllAmount: { label: "价税合计", at: "SubHeadEntity", type: "number" },
  FMaterialID: { label: "物料编码", at: "FEntity", ref: "material" },
  FUnitID: { label: "库存单位", at: "FEntity", ref: "unit" },
  FMustQty: { label: "应发数量", at: "FEntity", type: "number", fallback: (_: Row, row: Row) => row.FRealQty },
  FRealQty: { label: "实发数量", at: "FEntity", type: "number" },
  FTaxPrice: { label: "含税单价", at: "FEntity", type: "number" },
  FPrice: { label: "单价", at: "FEntity", type: "number" },
  FEntryTaxRate: { label: "税率%", at: "FEntity", type: "number" },
  FDiscountRate: { label: "折扣率%", at: "FEntity", type: "number" },
  FDiscount: { label: "折扣额", at: "FEntity", type: "number" },
  FAmount: { label: "金额", at: "FEntity", type: "number" },
  FTaxAmount: { label: "税额", at: "FEntity", type: "number" },
  FAllAmount: { label: "价税合计", at: "FEntity", type: "number" },
  FIsFree: { label: "是否赠品", at: "FEntity", type: "bool", fallback: false },
  FStockID: { label: "仓库", at: "FEntity", ref: "stock" },
  FStockStatusID: { label: "库存状态", at: "FEntity", ref: "stockStatus", fallback: { FNumber: "KCZT01_SYS" } },
  FOwnerTypeID: { label: "货主类型", at: "FEntity", type: "enum", values: ENUMS.ownerType, fallback: "BD_OwnerOrg" },
  FOwnerID: { label: "货主", at: "FEntity", ref: "org", fallback: head("FStockOrgId") },
  FKeeperTypeID: { label: "保管者类型", at: "FEntity", type: "enum", values: ENUMS.keeperType, fallback: "BD_KeeperOrg" },
  FKeeperID: { label: "保管者", at: "FEntity", ref: "org", fallback: head("FStockOrgId") },
  FSalUnitID: { label: "销售单位", at: "FEntity", ref: "unit", fallback: (_: Row, row: Row) => row.FUnitID },
  FEntrynote: { label: "备注", at: "FEntity" },
  FSrcType: { label: "源单类型", at: "FEntity" },
  FSrcBillNo: { label: "源单编号", at: "FEntity" },
};

export const DEFAULT_OUTSTOCK_REQUIRED = ["FBillTypeID", "FDate", "FSaleOrgId", "FStockOrgId", "FCustomerID", "FMaterialID", "FUnitID", "FStockID", "FRealQty"];

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);

function deriveAmounts(record: Row): void {
  const rows = Array.isArray(record.FEntity) ? (record.FEntity as Row[]) : [];
  const totals = { FBillAmount: 0, FBillTaxAmount: 0, FBillAllAmount: 0 };
  for (const row of rows) {
    const factor = 1 + num(row.FEntryTaxRate) / 100;
    const taxPrice = typeof row.FTaxPrice === "number" ? row.FTaxPrice : round(num(row.FPrice) * factor, 6);
    const gross = taxPrice * num(row.FRealQty);
    const discount = typeof row.FDiscount === "number" ? row.FDiscount : (gross * num(row.FDiscountRate)) / 100;
    const all = round(gross - discount, 2);
    const amount = round(all / factor, 2);
    Object.assign(row, { FTaxPrice: taxPrice, FPrice: round(taxPrice / factor, 6), FDiscount: round(discount, 2), FAllAmount: all, FAmount: amount, FTaxAmount: round(all - amount, 2) });
    totals.FBillAmount += amount;
    totals.FBillAllAmount += all;
    totals.FBillTaxAmount += round(all - amount, 2);
  }
  const sub = (record.SubHeadEntity ?? {}) as Row;
  record.SubHeadEntity = { ...sub, FBillAmount: round(totals.FBillAmount, 2), FBillTaxAmount: round(totals.FBillTaxAmount, 2), FBillAllAmount: round(totals.FBillAllAmount, 2) };
}

export function outstockSpec(required: readonly string[] = DEFAULT_OUTSTOCK_REQUIRED): FormSpec {
  return {
    formId: "SAL_OUTSTOCK",
    name: "销售出库单",
    idKey: "FID",
    numberKey: "FBillNo",
    autoNumber: (n) => `XSCKD${String(n).padStart(6, "0")}`,
    fields: FIELDS,
    required: requiredKeys("SAL_OUTSTOCK", FIELDS, required),
    entry: { key: "FEntity", label: "明细信息", idKey: "FEntryID" },
    lockedWhenAudited: true,
    firstId: 300001,
    derive: deriveAmounts,
  };
}
