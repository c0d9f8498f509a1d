// 客户新增: BatchSave on BD_Customer. Field keys and labels are the ones Kingdee's public WebAPI
// examples for BD_Customer use.
import type { FieldMeta, TargetApiMeta } from "../../types";
import { baseData, option, saveOptions, text } from "./fields";

const customerFields: FieldMeta[] = [
  text("FNumber", "客户编码", "Customer code", { description: "客户的唯一编码；不填时由金蝶按编码规则生成（此时断线后无法核对是否已写入）" }),
  text("FName", "客户名称", "Customer name", { required: true }),
  text("FShortName", "简称", "Short name"),
  baseData("FCreateOrgId", "创建组织", "Creating organisation", "100", { required: true }),
  baseData("FUseOrgId", "使用组织", "Using organisation", "100"),
  text("FDescription", "描述", "Description"),
  baseData("FCOUNTRY", "国家", "Country", "China"),
  text("FADDRESS", "通讯地址", "Address"),
  text("FZIP", "邮政编码", "Postcode"),
  text("FTEL", "联系电话", "Telephone"),
  text("FFAX", "传真", "Fax"),
  text("FWEBSITE", "公司网址", "Website"),
  baseData("FCustTypeId", "客户类别", "Customer type", "KHLB001_SYS"),
  baseData("FGroup", "客户分组", "Customer group", "KH002"),
  baseData("FTRADINGCURRID", "结算币别", "Settlement currency", "PRE001"),
  baseData("FSALDEPTID", "销售部门", "Sales department", "BM000001"),
  baseData("FSELLER", "销售员", "Salesperson", "001_GW000022_1"),
  baseData("FSETTLETYPEID", "结算方式", "Settlement method", "JSFS01_SYS"),
  baseData("FRECCONDITIONID", "收款条件", "Receipt terms", "SKTJ01_SYS"),
  baseData("FTaxType", "税分类", "Tax category", "SFL02_SYS"),
  baseData("FTaxRate", "默认税率", "Default tax rate", "SL02_SYS"),
  text("FInvoiceType", "发票类型", "Invoice type", { description: "1 = 增值税专用发票，2 = 普通发票" }),
  text("FINVOICETITLE", "发票抬头", "Invoice title"),
  text("FTAXREGISTERCODE", "纳税登记号", "Tax registration number"),
  text("FINVOICEBANKNAME", "开户银行", "Invoice bank"),
  text("FINVOICEBANKACCOUNT", "银行账号", "Invoice bank account"),
  text("FINVOICETEL", "开票联系电话", "Invoice telephone"),
  text("FINVOICEADDRESS", "开票通讯地址", "Invoice address"),
  { key: "FPriority", label: "客户优先级", labelEn: "Priority", type: "integer" },
  { key: "FIsTrade", label: "是否交易客户", labelEn: "Trading customer", type: "boolean" },
  { key: "FISCREDITCHECK", label: "启用信用管理", labelEn: "Credit check", type: "boolean" },
];

export const customerApi: TargetApiMeta = {
  kind: "target",
  id: "batchSave",
  name: "客户新增",
  nameEn: "Create customers (BatchSave)",
  formId: "BD_Customer",
  fields: customerFields,
  numberField: "FNumber",
  idField: "FCUSTID",
  nameField: "FName",
  options: [
    option("IsAutoSubmitAndAudit", "自动提交并审核", "Submit and audit after saving", true, "金蝶默认 false；集成方案默认打开，保存后的客户直接可用", "false in Kingdee; on by default in a scheme, so a saved customer can be used at once"),
    ...saveOptions,
  ],
  batch: { defaultSize: 100, maxSize: 1000 },
  writeModes: ["create", "upsert"],
};
