// 管易云 metadata: what the editor and the engine know about the platform's read methods.
// Fields and labels follow shared/protocols/guanyi.md and guanyi-documents.md; 商品 and 发货单 are
// in their own files. For 会员, 订单 and 供应商 the response lists only the commonly documented key fields.
import { z } from "zod";
import { concurrencySchema, MAX_CONCURRENT_CALLS } from "../call-slots";
import type { ConnectorMeta, SourceApiMeta } from "../types";
import { deliveriesApi } from "./deliveries-meta";
import { itemsApi } from "./items-meta";
import { tradeApi } from "./orders-meta";
import { DATE_HELP, DATE_HELP_EN, MODIFIED, PAGING, PAGING_FIELDS, timeWindow } from "./meta-common";

export const GUANYI_PLATFORM = "guanyi";

export const credentialsSchema = z.object({
  appkey: z.string().trim().min(1, "请填写 appkey"),
  sessionkey: z.string().trim().min(1, "请填写 sessionkey"),
  secret: z.string().trim().min(1, "请填写 secret"),
  /** Calls in flight per appkey: reads stay serial unless the connection raises it. */
  concurrency: concurrencySchema(1),
});

export type GuanyiCredentials = z.infer<typeof credentialsSchema>;

const shopApi: SourceApiMeta = {
  kind: "source",
  id: "gy.erp.shop.get",
  name: "店铺查询",
  nameEn: "Query shops",
  request: [
    ...timeWindow("modify_start_date", "modify_end_date", MODIFIED),
    { key: "code", label: "店铺代码", labelEn: "Shop code", type: "string" },
    ...PAGING_FIELDS,
  ],
  response: [
    { key: "id", label: "ID", labelEn: "ID", type: "string", description: "文档写作字符串，实际常为数字" },
    { key: "nick", label: "店铺昵称", labelEn: "Shop nickname", type: "string" },
    { key: "code", label: "代码", labelEn: "Code", type: "string" },
    { key: "name", label: "名称", labelEn: "Name", type: "string" },
    { key: "create_date", label: "创建时间", labelEn: "Created at", type: "datetime" },
    { key: "modify_date", label: "修改时间", labelEn: "Modified at", type: "datetime" },
    { key: "note", label: "备注", labelEn: "Note", type: "string" },
    { key: "type_name", label: "类型", labelEn: "Type", type: "string", description: "如 天猫、淘宝、当当V2、有赞微商城、其他" },
  ],
  listKey: "shops",
  idField: "id",
  paging: PAGING,
  window: { start: "modify_start_date", end: "modify_end_date" },
};

const vipApi: SourceApiMeta = {
  kind: "source",
  id: "gy.erp.vip.get",
  name: "会员查询",
  nameEn: "Query members",
  request: [
    // A creation-time window, not a modification window: no `window`, so incremental syncs of
    // members would miss edits.
    { key: "start_created", label: "创建开始时间", labelEn: "Created from", type: "datetime", description: DATE_HELP, descriptionEn: DATE_HELP_EN },
    { key: "end_created", label: "创建结束时间", labelEn: "Created until", type: "datetime", description: DATE_HELP, descriptionEn: DATE_HELP_EN },
    { key: "shop_code", label: "店铺代码", labelEn: "Shop code", type: "string" },
    { key: "code", label: "会员代码", labelEn: "Member code", type: "string" },
    { key: "name", label: "会员名称", labelEn: "Member name", type: "string" },
    { key: "mobile", label: "手机号", labelEn: "Mobile", type: "string" },
    ...PAGING_FIELDS,
  ],
  response: [
    { key: "id", label: "ID", labelEn: "ID", type: "string" },
    { key: "code", label: "会员代码", labelEn: "Member code", type: "string" },
    { key: "name", label: "会员名称", labelEn: "Member name", type: "string" },
    { key: "shop_name", label: "店铺名称", labelEn: "Shop name", type: "string" },
    { key: "created", label: "创建时间", labelEn: "Created at", type: "datetime" },
  ],
  listKey: "vips",
  // No sample member record is documented (guanyi.md § Other read methods lists only filters and
  // the list key), so the key is left as `id` until a real response says otherwise.
  idField: "id",
  paging: PAGING,
};


const supplierApi: SourceApiMeta = {
  kind: "source",
  id: "gy.erp.supplier.get",
  name: "供应商查询",
  nameEn: "Query suppliers",
  request: [
    ...timeWindow("start_date", "end_date", MODIFIED),
    { key: "code", label: "供应商代码", labelEn: "Supplier code", type: "string" },
    ...PAGING_FIELDS,
  ],
  response: [
    { key: "id", label: "ID", labelEn: "ID", type: "string" },
    { key: "code", label: "供应商代码", labelEn: "Supplier code", type: "string" },
    { key: "name", label: "供应商名称", labelEn: "Supplier name", type: "string" },
    { key: "note", label: "备注", labelEn: "Note", type: "string" },
  ],
  listKey: "supplier_list",
  // No sample supplier record is documented (guanyi.md § Other read methods lists only filters
  // and the list key), so the key is left as `id` until a real response says otherwise.
  idField: "id",
  paging: PAGING,
  window: { start: "start_date", end: "end_date" },
};

export const meta: ConnectorMeta = {
  platform: GUANYI_PLATFORM,
  name: "管易云",
  nameEn: "Guanyi ERP",
  baseUrl: {
    default: "http://v2.api.guanyierp.com/rest/erp_open",
    placeholder: "http://v2.api.guanyierp.com/rest/erp_open",
    help:
      "管易云开放接口地址（https 亦可）：v2 租户用 http://v2.api.guanyierp.com/rest/erp_open，" +
      "其他租户用 http://api.guanyierp.com/rest/erp_open，测试环境用 http://api.demo.guanyierp.com/rest/erp_open",
    helpEn:
      "The Guanyi open API address (https works too): v2 tenants use http://v2.api.guanyierp.com/rest/erp_open, " +
      "other tenants http://api.guanyierp.com/rest/erp_open, the test environment http://api.demo.guanyierp.com/rest/erp_open",
  },
  credentialFields: [
    { key: "appkey", label: "appkey", labelEn: "App key", secret: false, type: "string", placeholder: "控制面板 → 应用授权 → 云ERP授权", placeholderEn: "Control panel → App authorisation → Cloud ERP authorisation", identity: true },
    // The tenant's authorisation: another sessionkey may reach another tenant (session 30 noted it).
    { key: "sessionkey", label: "sessionkey", labelEn: "Session key", secret: true, type: "string", identity: true },
    { key: "secret", label: "secret", labelEn: "Secret", secret: true, type: "string" },
    {
      key: "concurrency",
      label: "并发调用数",
      labelEn: "Concurrent calls",
      secret: false,
      type: "number",
      default: 1,
      placeholder: `1–${MAX_CONCURRENT_CALLS}：同一 appkey 同时进行的调用（所有方案与执行器合计），修改后约 5 秒内对进行中的运行也生效`,
      placeholderEn: `1–${MAX_CONCURRENT_CALLS}: calls under one appkey at the same time (all schemes and workers together); a change reaches running runs too within about 5 s`,
    },
  ],
  apis: [shopApi, itemsApi, deliveriesApi, vipApi, tradeApi, supplierApi],
  // Every 管易云 datetime (request windows, modify_date) is `yyyy-MM-dd HH:mm:ss` in Beijing time
  // (guanyi.md; DATE_HELP): a scheme's LAST_SYNC_TIME / CURRENT_TIME in its request params are
  // written in it, whatever timezone the scheme is scheduled in (core resolveParams).
  wireTimezone: "Asia/Shanghai",
};

/**
 * APIs whose modification window Guanyi documents as "必须搭配使用" (a pair): the source never
 * sends one bound without the other (guanyi-documents.md § Unknown / our choice).
 */
export const PAIRED_WINDOW_APIS: ReadonlySet<string> = new Set([itemsApi.id, deliveriesApi.id]);

export function findSourceApi(id: string): SourceApiMeta | undefined {
  return meta.apis.find((a): a is SourceApiMeta => a.kind === "source" && a.id === id);
}
