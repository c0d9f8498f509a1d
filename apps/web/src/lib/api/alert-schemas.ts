// Alerts (告警) at the REST boundary (re-exported by ./schemas.ts): channels (admin manages them;
// their secrets go in, never out: the answer says only whether each is set) and rules (editors
// manage them). docs/alerts.md says what each field does.
import { refuseHiddenCharacters } from "@qiao/core";
import { z } from "zod";

const isoTime = z.iso.datetime();
const name = z.string().trim().min(1, "请填写名称").max(100).superRefine(refuseHiddenCharacters);

export const alertChannelKindSchema = z.enum(["dingtalk", "wecom", "webhook", "email"]);
export const alertRuleKindSchema = z.enum(["run_failed", "run_partial", "records_dead_lettered", "scheme_stale", "no_worker"]);

export const alertChannelSchema = z.object({
  id: z.uuid(),
  kind: alertChannelKindSchema,
  name: z.string(),
  enabled: z.boolean(),
  /** The webhook URL without its query (the token or key stays secret); "" for email. */
  displayUrl: z.string(),
  /** 钉钉: markdown or text. */
  msgtype: z.enum(["markdown", "text"]).optional(),
  /** Email (SMTP). */
  host: z.string().optional(),
  port: z.number().int().optional(),
  secure: z.boolean().optional(),
  user: z.string().optional(),
  from: z.string().optional(),
  to: z.array(z.string()).optional(),
  /** Which secrets are stored (shown as 已设置), never their values. */
  secretsSet: z.object({ url: z.boolean(), secret: z.boolean(), password: z.boolean() }),
  lastSentAt: isoTime.nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: isoTime.nullable(),
  /** Failed sends since the last one that went through. */
  failureCount: z.number().int(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type AlertChannelDto = z.infer<typeof alertChannelSchema>;
export const alertChannelListSchema = z.object({ channels: z.array(alertChannelSchema) });

const channelFields = {
  name,
  enabled: z.boolean().optional(),
  /** Webhook kinds: the robot's or endpoint's URL (with its access_token / key). Blank on update: unchanged. */
  url: z.string().trim().max(2000).optional(),
  /** 钉钉 加签 secret (SEC…), or the webhook's signing secret. Blank on update: unchanged. */
  secret: z.string().trim().max(200).optional(),
  /** Remove the stored signing secret. */
  clearSecret: z.boolean().optional(),
  msgtype: z.enum(["markdown", "text"]).optional(),
  host: z.string().trim().max(255).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  secure: z.boolean().optional(),
  user: z.string().trim().max(255).optional(),
  /** SMTP password. Blank on update: unchanged. */
  password: z.string().max(500).optional(),
  from: z.string().trim().max(255).optional(),
  to: z.array(z.string().trim().max(255)).max(50).optional(),
};

export const createAlertChannelBody = z.object({ kind: alertChannelKindSchema, ...channelFields });
export const updateAlertChannelBody = z.object({ ...channelFields, name: name.optional() });
export type AlertChannelBody = z.infer<typeof createAlertChannelBody>;

export const alertChannelTestResultSchema = z.object({ ok: z.boolean(), error: z.string().optional(), channel: alertChannelSchema });

export const alertRuleSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  kind: alertRuleKindSchema,
  /** Null: every scheme. */
  schemeId: z.uuid().nullable(),
  threshold: z.number().int(),
  channelIds: z.array(z.uuid()),
  enabled: z.boolean(),
  createdAt: isoTime,
  updatedAt: isoTime,
});
export type AlertRuleDto = z.infer<typeof alertRuleSchema>;
export const alertRuleListSchema = z.object({ rules: z.array(alertRuleSchema) });

const threshold = z.number().int("阈值应为整数").min(0, "阈值不能为负数").max(1_000_000);

export const createAlertRuleBody = z.object({
  name: name,
  kind: alertRuleKindSchema,
  schemeId: z.uuid().nullable().default(null),
  /** run_partial: failed records at least (default 1); records_dead_lettered: records at least; scheme_stale: hours; no_worker: workers expected. */
  threshold: threshold.default(1),
  channelIds: z.array(z.uuid()).min(1, "至少选择一个告警渠道").max(20),
  enabled: z.boolean().default(true),
});
export const updateAlertRuleBody = z.object({
  name: name.optional(),
  schemeId: z.uuid().nullable().optional(),
  threshold: threshold.optional(),
  channelIds: z.array(z.uuid()).min(1, "至少选择一个告警渠道").max(20).optional(),
  enabled: z.boolean().optional(),
});
