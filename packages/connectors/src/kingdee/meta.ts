// 金蝶云星空 metadata: what the editor shows and the engine checks mappings against.
// Field keys and labels are the ones Kingdee's public WebAPI examples for BD_Customer use;
// `baseData` marks the fields Kingdee expects as {"FNumber": "<code>"} on the wire.
import { z } from "zod";
import type { ConnectorMeta, CredentialField, FieldMeta, OptionMeta, TargetApiMeta } from "../types";

export const PLATFORM = "kingdee";

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === "" ? undefined : v));

export const kingdeeCredentialsSchema = z
  .object({
    authType: z.enum(["password", "appSecret"]).default("password"),
    acctId: z.string().trim().min(1, "请填写数据中心ID"),
    username: z.string().trim().min(1, "请填写用户名"),
    password: optionalText,
    appId: optionalText,
    appSecret: optionalText,
    lcid: z.coerce.number().int().positive().default(2052),
  })
  .superRefine((c, ctx) => {
    if (c.authType === "password" && !c.password) {
      ctx.addIssue({ code: "custom", path: ["password"], message: "用户名密码登录需要填写密码" });
    }
    if (c.authType === "appSecret") {
      if (!c.appId) ctx.addIssue({ code: "custom", path: ["appId"], message: "第三方应用登录需要填写应用ID" });
      if (!c.appSecret) ctx.addIssue({ code: "custom", path: ["appSecret"], message: "第三方应用登录需要填写应用密钥" });
    }
  });

export type KingdeeCredentials = z.output<typeof kingdeeCredentialsSchema>;

const credentialFields: CredentialField[] = [
  {
    key: "authType",
    label: "登录方式",
    labelEn: "Login method",
    secret: false,
    type: "string",
    default: "password",
    choices: [
      { value: "password", label: "用户名 + 密码（ValidateUser）", labelEn: "User name + password (ValidateUser)" },
      { value: "appSecret", label: "第三方应用授权（LoginByAppSecret）", labelEn: "App ID + secret (LoginByAppSecret)" },
    ],
  },
  { key: "acctId", label: "数据中心ID", labelEn: "Data center ID (acctID)", secret: false, type: "string" },
  { key: "username", label: "用户名", labelEn: "User name", secret: false, type: "string", default: "administrator" },
  { key: "password", label: "密码", labelEn: "Password (ValidateUser)", secret: true, type: "string" },
  { key: "appId", label: "应用ID", labelEn: "App ID (LoginByAppSecret)", secret: false, type: "string" },
  { key: "appSecret", label: "应用密钥", labelEn: "App secret (LoginByAppSecret)", secret: true, type: "string" },
  { key: "lcid", label: "语言(LCID)", labelEn: "Locale ID", secret: false, type: "number", default: 2052 },
];

const text = (key: string, label: string, labelEn: string, extra: Partial<FieldMeta> = {}): FieldMeta => ({
  key,
  label,
  labelEn,
  type: "string",
  ...extra,
});
const baseData = (key: string, label: string, labelEn: string, example: string, extra: Partial<FieldMeta> = {}): FieldMeta => ({
  key,
  label,
  labelEn,
  type: "string",
  baseData: true,
  description: `基础资料，填编码（如 ${example}），发送时包装为 {"FNumber": "${example}"}`,
  ...extra,
});

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

const option = (key: string, label: string, labelEn: string, value: boolean, description?: string): OptionMeta => ({
  key,
  label,
  labelEn,
  type: "boolean",
  default: value,
  ...(description ? { description } : {}),
});

const batchSaveOptions: OptionMeta[] = [
  option("IsAutoSubmitAndAudit", "自动提交并审核", "Submit and audit after saving", true, "金蝶默认 false；集成方案默认打开，保存后的客户直接可用"),
  option("IsVerifyBaseDataField", "验证基础资料有效性", "Verify base data", false),
  option("NumberSearch", "按编码查找基础资料", "Look base data up by code", true),
  option("ValidateFlag", "验证数据合法性", "Validate data", true),
  option("IsDeleteEntry", "删除已存在的分录", "Delete existing entries", true),
  option("IsEntryBatchFill", "批量填充分录", "Fill entries in batch", true),
  option("IgnoreInterationFlag", "忽略交互提示", "Ignore interaction prompts", true),
  option("IsAutoAdjustField", "自动调整字段顺序", "Auto-adjust field order", false),
  option("IsControlPrecision", "控制精度", "Check precision", false),
  option("ValidateRepeatJson", "校验重复数据包", "Reject repeated payloads", false),
];

export const batchSaveApi: TargetApiMeta = {
  kind: "target",
  id: "batchSave",
  name: "客户新增",
  nameEn: "Create customers (BatchSave)",
  formId: "BD_Customer",
  fields: customerFields,
  numberField: "FNumber",
  idField: "FCUSTID",
  options: batchSaveOptions,
  batch: { defaultSize: 100, maxSize: 1000 },
  writeModes: ["create", "upsert"],
};

export const kingdeeMeta: ConnectorMeta = {
  platform: PLATFORM,
  name: "金蝶云星空",
  nameEn: "Kingdee K/3 Cloud",
  baseUrl: {
    default: "",
    placeholder: "https://erp.example.com/k3cloud/",
    help: "贵公司金蝶云星空的访问地址（以 /k3cloud/ 结尾）；金蝶没有公共地址",
  },
  credentialFields,
  apis: [batchSaveApi],
};
