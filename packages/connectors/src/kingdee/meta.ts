// 金蝶云星空 metadata: what the editor shows and the engine checks mappings against. One target
// API per form (./forms/), all with the id "batchSave": the scheme's formId picks among them.
// `baseData` marks the fields Kingdee expects as {"FNumber": "<code>"} on the wire.
import { z } from "zod";
import { concurrencySchema, MAX_CONCURRENT_CALLS } from "../call-slots";
import { numberSetting } from "../number-setting";
import type { ConnectorMeta, CredentialField, TargetApiMeta } from "../types";
import { customerApi } from "./forms/customer";
import { materialApi } from "./forms/material";
import { outstockApi } from "./forms/outstock";

export const PLATFORM = "kingdee";

/**
 * Calls in flight per data center unless the connection says otherwise: two BatchSaves overlap
 * (one is sent while the other's answer is awaited), and a K/3 Cloud server shared with its users
 * is not flooded. Raise it per connection when the server can take more.
 */
export const DEFAULT_KINGDEE_CONCURRENCY = 2;

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
    lcid: numberSetting(z.number({ error: "语言(LCID)须为数字" }).int("语言(LCID)须为整数").positive("语言(LCID)须为正数")).default(2052),
    concurrency: concurrencySchema(DEFAULT_KINGDEE_CONCURRENCY),
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
  { key: "acctId", label: "数据中心ID", labelEn: "Data center ID (acctID)", secret: false, type: "string", identity: true },
  { key: "username", label: "用户名", labelEn: "User name", secret: false, type: "string", default: "administrator" },
  { key: "password", label: "密码", labelEn: "Password (ValidateUser)", secret: true, type: "string" },
  { key: "appId", label: "应用ID", labelEn: "App ID (LoginByAppSecret)", secret: false, type: "string" },
  { key: "appSecret", label: "应用密钥", labelEn: "App secret (LoginByAppSecret)", secret: true, type: "string" },
  { key: "lcid", label: "语言(LCID)", labelEn: "Locale ID", secret: false, type: "number", default: 2052 },
  {
    key: "concurrency",
    label: "并发调用数",
    labelEn: "Concurrent calls",
    secret: false,
    type: "number",
    default: DEFAULT_KINGDEE_CONCURRENCY,
    placeholder: `1–${MAX_CONCURRENT_CALLS}：同时进行的金蝶调用（所有方案与执行器合计），修改后约 5 秒内对进行中的运行也生效`,
    placeholderEn: `1–${MAX_CONCURRENT_CALLS}: Kingdee calls at the same time (all schemes and workers together); a change reaches running runs too within about 5 s`,
  },
];

/**
 * The form's target API (forms are matched case-insensitively: Kingdee's own demo writes
 * `BD_Material` for Save and `BD_MATERIAL` for queries).
 */
export function targetApiFor(formId: string): TargetApiMeta | undefined {
  const wanted = formId.toLowerCase();
  return targetApis.find((api) => api.formId.toLowerCase() === wanted);
}

/** 客户 first: schemes written before the other forms existed name only the API id (batchSave). */
const targetApis: TargetApiMeta[] = [customerApi, materialApi, outstockApi];

export const kingdeeMeta: ConnectorMeta = {
  platform: PLATFORM,
  name: "金蝶云星空",
  nameEn: "Kingdee K/3 Cloud",
  baseUrl: {
    default: "",
    placeholder: "https://erp.example.com/k3cloud/",
    help: "贵公司金蝶云星空的访问地址（以 /k3cloud/ 结尾）；金蝶没有公共地址",
    helpEn: "Your company's Kingdee K/3 Cloud address (ending in /k3cloud/); Kingdee has no public address",
  },
  credentialFields,
  apis: targetApis,
};
