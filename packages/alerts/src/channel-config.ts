// What a channel of each kind is made of, split into settings (shown on the page) and secrets
// (sealed, never shown): the robot URLs carry their access_token / key, webhooks often a token in
// the path, so the whole URL is secret and the page shows it masked (`displayUrl`).
import { z } from "zod";

export const CHANNEL_KINDS = ["dingtalk", "wecom", "webhook", "email"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

const httpUrl = z
  .string()
  .trim()
  .max(2000)
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), { message: "应为 http:// 或 https:// 开头的网址" });

export const dingtalkSettingsSchema = z.object({ msgtype: z.enum(["markdown", "text"]).default("markdown") });
export const dingtalkSecretsSchema = z.object({ url: httpUrl, secret: z.string().trim().max(200).optional() });
export const wecomSettingsSchema = z.object({});
export const wecomSecretsSchema = z.object({ url: httpUrl });
export const webhookSettingsSchema = z.object({});
export const webhookSecretsSchema = z.object({ url: httpUrl, secret: z.string().trim().max(200).optional() });

const email = z.string().trim().email("应为邮箱地址");
export const emailSettingsSchema = z.object({
  host: z.string().trim().min(1, "请填写 SMTP 服务器").max(255),
  port: z.number().int().min(1).max(65535).default(465),
  /** TLS from the first byte (465); false: STARTTLS (587/25), required before a login (QIAO_SMTP_ALLOW_PLAIN_LOOPBACK aside), else used when offered. */
  secure: z.boolean().default(true),
  user: z.string().trim().max(255).default(""),
  from: email,
  to: z.array(email).min(1, "至少填写一个收件人").max(50),
});
export const emailSecretsSchema = z.object({ password: z.string().max(500).optional() });

export type DingtalkSettings = z.infer<typeof dingtalkSettingsSchema>;
export type EmailSettings = z.infer<typeof emailSettingsSchema>;

/** A channel as a sender needs it: its kind, settings and unsealed secrets, checked. */
export type ChannelTarget =
  | { kind: "dingtalk"; settings: DingtalkSettings; secrets: z.infer<typeof dingtalkSecretsSchema> }
  | { kind: "wecom"; settings: Record<string, never>; secrets: z.infer<typeof wecomSecretsSchema> }
  | { kind: "webhook"; settings: Record<string, never>; secrets: z.infer<typeof webhookSecretsSchema> }
  | { kind: "email"; settings: EmailSettings; secrets: z.infer<typeof emailSecretsSchema> };

export const CHANNEL_SCHEMAS = {
  dingtalk: { settings: dingtalkSettingsSchema, secrets: dingtalkSecretsSchema },
  wecom: { settings: wecomSettingsSchema, secrets: wecomSecretsSchema },
  webhook: { settings: webhookSettingsSchema, secrets: webhookSecretsSchema },
  email: { settings: emailSettingsSchema, secrets: emailSecretsSchema },
} as const;

/** The channel checked, or the zod error naming what is wrong (a stored row that no longer parses, a body). */
export function channelTarget(kind: ChannelKind, settings: unknown, secrets: unknown): ChannelTarget {
  const schemas = CHANNEL_SCHEMAS[kind];
  return { kind, settings: schemas.settings.parse(settings), secrets: schemas.secrets.parse(secrets) } as ChannelTarget;
}

/** The robots' documented paths: their token is in the query (钉钉 access_token, 企业微信 key), never here. */
const PUBLIC_PATHS = new Set(["/robot/send", "/cgi-bin/webhook/send"]);

/**
 * Which server a channel posts to, safe to show anyone and to put in errors and logs: scheme and
 * host, never credentials, query or fragment; the path whole only when it is a robot's documented
 * one, else "/…". Many webhooks carry their token in the path, in any segment: 飞书
 * /open-apis/bot/v2/hook/<token>, Slack /services/T…/B…/<secret>, Discord /api/webhooks/<id>/<token>,
 * and in the first one Telegram /bot<token>/sendMessage and Bark /<key>/<title> (session 35's
 * audit: the first segment was shown). The host tells the services apart. Idempotent: a shown URL
 * shows the same (migration 20261227100000_alert_display_url_host_only re-masked stored ones).
 */
export function displayUrlOf(url: string | undefined): string {
  if (!url || !URL.canParse(url)) return "";
  const u = new URL(url);
  const path = PUBLIC_PATHS.has(u.pathname) || u.pathname === "/" || u.pathname === "" ? u.pathname : "/…";
  return `${u.protocol}//${u.host}${path}`;
}

/** The URL a channel sends to (webhook kinds), for the outbound address check. */
export function channelUrl(target: ChannelTarget): string | undefined {
  return target.kind === "email" ? undefined : target.secrets.url;
}
