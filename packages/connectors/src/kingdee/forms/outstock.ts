// 销售出库单新增: BatchSave on SAL_OUTSTOCK (../../../../../../shared/protocols/kingdee-documents.md),
// a bill (单据) with a sub-head (SubHeadEntity, 财务信息) and an entry table (FEntity, 明细信息).
// Fields are listed in the order of the documented sample Model, which is the order they are sent
// in: Kingdee's ApiDoc warns that a field may be overwritten or lost when the order differs (an
// owner type before its owner, for one).
import type { OptionMeta, TargetApiMeta } from "../../types";
import { baseData, inSubHead, option, saveOptions, text, typed } from "./fields";

const interactionFlags: OptionMeta = {
  key: "InterationFlags",
  label: "交互标志",
  labelEn: "Interaction flags",
  type: "string",
  default: "",
  description: "金蝶的交互标志（多个用英文分号隔开），随保存、提交和审核发送；例如 STK_InvCheckResult 允许负库存（库存组织须允许负库存）",
  descriptionEn: "Kingdee's interaction flags (separated by semicolons), sent with save, submit and audit; e.g. STK_InvCheckResult allows negative stock (if the stock organisation allows it)",
};

export const outstockApi: TargetApiMeta = {
  kind: "target",
  id: "batchSave",
  name: "销售出库单新增",
  nameEn: "Create sales delivery bills (BatchSave)",
  formId: "SAL_OUTSTOCK",
  fields: [
    baseData("FBillTypeID", "单据类型", "Bill type", "XSCKD01_SYS", {
      required: true,
      description: '基础资料，填编码，发送时包装为 {"FNumber": …}：XSCKD01_SYS 标准销售出库单，02 寄售，03 零售，04 分销购销，05 VMI，06 现销，07 B2C（XSCKD0n_SYS）',
    }),
    text("FBillNo", "单据编号", "Bill number", {
      description: "唯一；请填来源单号（如发货单号）：Qiao 凭它核对断线后是否已写入、更新和审核单据。不填时由金蝶编码规则生成，此时无法核对，也不能用“新增或更新”写入",
    }),
    typed("FDate", "日期", "Date", "datetime", { required: true, description: "yyyy-MM-dd（也可带时间）" }),
    baseData("FSaleOrgId", "销售组织", "Sales organisation", "100", { required: true }),
    baseData("FStockOrgId", "发货组织", "Stock organisation", "100", { required: true }),
    baseData("FCustomerID", "客户", "Customer", "RMSHOP001", { required: true }),
    baseData("FSaleDeptID", "销售部门", "Sales department", "BM000001"),
    baseData("FSalesManID", "销售员", "Salesperson", "001_GW000022_1"),
    baseData("FStockerID", "仓管员", "Stock keeper", "001_GW000023_1"),
    baseData("FDeliveryDeptID", "发货部门", "Delivery department", "BM000002"),
    baseData("FReceiverID", "收货方", "Receiving customer", "RMSHOP001"),
    baseData("FSettleID", "结算方", "Settling customer", "RMSHOP001"),
    baseData("FPayerID", "付款方", "Paying customer", "RMSHOP001"),
    text("FOwnerTypeIdHead", "货主类型", "Owner type", { description: "枚举值文本：BD_OwnerOrg = 业务组织" }),
    baseData("FOwnerIdHead", "货主", "Owner", "100"),
    text("FCarriageNO", "运输单号", "Carriage number"),
    text("FLinkMan", "收货人", "Consignee"),
    text("FLinkPhone", "联系电话", "Consignee telephone"),
    text("FReceiveAddress", "收货地址", "Delivery address"),
    text("FNote", "备注", "Note"),
    ...inSubHead("SubHeadEntity", [
      baseData("FSettleCurrID", "结算币别", "Settlement currency", "PRE001"),
      baseData("FSettleOrgID", "结算组织", "Settlement organisation", "100"),
      baseData("FLocalCurrID", "本位币", "Local currency", "PRE001"),
      baseData("FExchangeTypeID", "汇率类型", "Exchange rate type", "HLTX01_SYS"),
      typed("FExchangeRate", "汇率", "Exchange rate", "number"),
      typed("FIsIncludedTax", "是否含税", "Prices include tax", "boolean"),
      typed("FIsPriceExcludeTax", "价外税", "Tax on top of price", "boolean"),
    ]),
    {
      key: "FEntity",
      label: "明细信息",
      labelEn: "Lines",
      type: "array",
      // Required: a bill without rows fails the record before any call, with the mapper's message.
      required: true,
      description: "单据体（分录）：每个来源明细一行；金蝶不接受没有分录的出库单",
      fields: [
        baseData("FMaterialID", "物料编码", "Material", "F01108", { required: true }),
        baseData("FUnitID", "库存单位", "Stock unit", "Pcs", { required: true }),
        typed("FMustQty", "应发数量", "Quantity due", "number"),
        typed("FRealQty", "实发数量", "Quantity delivered", "number", { required: true }),
        typed("FPrice", "单价", "Unit price", "number"),
        typed("FTaxPrice", "含税单价", "Unit price incl. tax", "number"),
        typed("FEntryTaxRate", "税率%", "Tax rate %", "number", { description: "百分数：13 = 13%" }),
        typed("FIsFree", "是否赠品", "Free item", "boolean"),
        baseData("FStockID", "仓库", "Warehouse", "CK001", { required: true }),
        baseData("FStockStatusID", "库存状态", "Stock status", "KCZT01_SYS"),
        text("FOwnerTypeID", "货主类型", "Owner type", { description: "枚举值文本：BD_OwnerOrg = 业务组织" }),
        baseData("FOwnerID", "货主", "Owner", "100"),
        text("FKeeperTypeID", "保管者类型", "Keeper type", { description: "枚举值文本：BD_KeeperOrg = 库存组织" }),
        baseData("FKeeperID", "保管者", "Keeper", "100"),
        baseData("FLot", "批号", "Lot", "L20250328", { description: '启用批号管理的物料必填；发送时包装为 {"FNumber": …}' }),
        typed("FDiscountRate", "折扣率%", "Discount rate %", "number"),
        typed("FDiscount", "折扣额", "Discount amount", "number"),
        text("FEntrynote", "备注", "Line note"),
        text("FSrcType", "源单类型", "Source bill type"),
        text("FSrcBillNo", "源单编号", "Source bill number"),
      ],
    },
  ],
  numberField: "FBillNo",
  idField: "FID",
  options: [
    option(
      "IsAutoSubmitAndAudit",
      "自动提交并审核",
      "Submit and audit after saving",
      true,
      "保存、提交、审核在同一事务中：审核失败（如负库存）时整张单据不保存。要先保存、审核失败后再审核，请把审核方式设为“分开审核”（此时这一项按 false 发送）",
      'Save, submit and audit in one transaction: when the audit fails (e.g. negative stock) the whole bill is not saved. To save first and audit again after a failed audit, set the audit to "Save, then submit and audit separately" (this option is then sent as false)',
    ),
    ...saveOptions,
    interactionFlags,
  ],
  // A bill carries its rows: fewer records per call than for base data. Kingdee publishes no limit.
  batch: { defaultSize: 50, maxSize: 500 },
  writeModes: ["create", "upsert"],
  bill: { statusField: "FDocumentStatus", auditedStatus: "C" },
};
