// Alert channels for the API: a body becomes the channel's settings and sealed secrets, checked by
// @qiao/alerts' schemas, the outbound address policy and (email) a login to the SMTP server, all
// before anything is saved; rows become DTOs that say which secrets are set, never what they are.
import { AlertSendError, CHANNEL_SCHEMAS, channelTarget, displayUrlOf, verifySmtp, type AlertDeps, type ChannelKind, type ChannelTarget } from "@qiao/alerts";
import { message, render, storedMessage, type Locale } from "@qiao/core";
import { alertChannelSecrets, config, emailServerOf, outboundPolicy, prisma, type AlertChannelEdit, type AlertChannelRow } from "@qiao/db";
import { ZodError, type z } from "zod";
import type { AlertChannelBody, AlertChannelDto } from "@/lib/api/schemas";
import { checkBaseUrl } from "./connections";
import { ApiError, fieldError, fromZodError, safeParseBilingual } from "./errors";

export function alertDeps(): AlertDeps {
  return { db: prisma(), publicUrl: config().QIAO_PUBLIC_URL, policy: outboundPolicy() };
}

/** A channel as the API shows it; its last failure in the reader's language (rows from before failure messages have their zh-CN text). */
export function alertChannelDto(row: AlertChannelRow, locale: Locale): AlertChannelDto {
  const secrets = alertChannelSecrets(row) ?? {};
  const s = row.settings as Record<string, unknown>;
  const pick = <T>(key: string, check: (v: unknown) => v is T): T | undefined => (check(s[key]) ? s[key] : undefined);
  const isString = (v: unknown): v is string => typeof v === "string";
  const msgtype = pick("msgtype", (v): v is "markdown" | "text" => v === "markdown" || v === "text");
  const host = pick("host", isString);
  const port = pick("port", (v): v is number => typeof v === "number");
  const secure = pick("secure", (v): v is boolean => typeof v === "boolean");
  const user = pick("user", isString);
  const from = pick("from", isString);
  const to = pick("to", (v): v is string[] => Array.isArray(v) && v.every(isString));
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    enabled: row.enabled,
    displayUrl: row.displayUrl,
    ...(msgtype && { msgtype }),
    ...(host !== undefined && { host }),
    ...(port !== undefined && { port }),
    ...(secure !== undefined && { secure }),
    ...(user !== undefined && { user }),
    ...(from !== undefined && { from }),
    ...(to && { to }),
    secretsSet: { url: Boolean(secrets.url), secret: Boolean(secrets.secret), password: Boolean(secrets.password) },
    lastSentAt: row.lastSentAt?.toISOString() ?? null,
    lastError: lastErrorIn(row, locale),
    lastErrorAt: row.lastErrorAt?.toISOString() ?? null,
    failureCount: row.failureCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function lastErrorIn(row: AlertChannelRow, locale: Locale): string | null {
  const stored = storedMessage(row.lastErrorMessage);
  return stored ? render(stored, locale) : row.lastError;
}

const SECRET_KEYS = ["url", "secret", "password"] as const;

function split(kind: ChannelKind, body: Partial<AlertChannelBody>) {
  const settings =
    kind === "dingtalk"
      ? { msgtype: body.msgtype }
      : kind === "email"
        ? { host: body.host, port: body.port, secure: body.secure, user: body.user, from: body.from, to: body.to }
        : {};
  const secrets = Object.fromEntries(SECRET_KEYS.flatMap((k) => (body[k] ? [[k, body[k]]] : [])));
  return { settings: Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)), secrets };
}

function validate(kind: ChannelKind, settings: unknown, secrets: unknown): ChannelTarget {
  const schemas = CHANNEL_SCHEMAS[kind];
  // zod's own refusals (`from` or `to` left out) in Chinese too, as readJson's (session 35's audit).
  const parses = ([[schemas.settings, settings], [schemas.secrets, secrets]] as [z.ZodType, unknown][]).map(([schema, value]) => safeParseBilingual(schema, value));
  const zodIssues = parses.flatMap((p) => (p.success ? [] : p.error.issues));
  const englishIssues = parses.flatMap((p) => (p.success ? [] : (p.english?.issues ?? [])));
  if (zodIssues.length > 0) {
    // Any refusal of the URL is said one way, the way the form asks for it.
    const urlText = message("api.channelUrlInvalid");
    const urlIssue = { message: render(urlText, "zh-CN"), messageEn: render(urlText, "en") };
    const issues = fromZodError(new ZodError(zodIssues), undefined, new ZodError(englishIssues)).issues.map((i) => (i.path[0] === "url" ? { ...i, ...urlIssue } : i));
    const first = issues[0]!;
    const missingUrl = issues.some((i) => i.path[0] === "url");
    throw new ApiError("validation_failed", missingUrl ? urlText : message("api.worded", { zh: first.message, en: first.messageEn ?? first.message }), issues);
  }
  return channelTarget(kind, settings, secrets);
}

/** The outbound policy on the channel's address, and for email a login to the server (no mail sent). */
async function checkReachable(target: ChannelTarget): Promise<void> {
  if (target.kind !== "email") {
    await checkBaseUrl(target.secrets.url, undefined, ["url"]);
    return;
  }
  await checkBaseUrl(`smtp://${target.settings.host}:${target.settings.port}`, undefined, ["host"]);
  try {
    await verifySmtp(target, { policy: outboundPolicy() });
  } catch (error) {
    if (error instanceof AlertSendError) throw fieldError(["host"], error.text);
    const detail = error instanceof Error ? error.message : String(error);
    throw fieldError(["host"], message("api.smtpNotVerified", { detail, server: `${target.settings.host}:${target.settings.port}` }));
  }
}

/** A new channel's settings and secrets, checked (format, address policy, SMTP login). */
export async function channelInput(body: AlertChannelBody) {
  const { settings, secrets } = split(body.kind, body);
  const target = validate(body.kind, settings, secrets);
  await checkReachable(target);
  return { kind: body.kind, name: body.name, enabled: body.enabled ?? true, settings: target.settings, secrets: target.secrets as Record<string, string>, displayUrl: displayUrlOf(secrets.url) };
}

/**
 * A change laid over a channel as stored in `row`, checked as a whole (nothing sent: no network).
 * The SMTP password goes only to the server it was saved for: changing the host, port, TLS or user
 * needs it typed again (as a connection's secrets do for any change of its URL; a port or TLS change
 * alone sent the stored password to another listener, in clear with TLS off). Throws a field error.
 */
function changedChannel(row: AlertChannelRow, body: Partial<AlertChannelBody>) {
  const stored = alertChannelSecrets(row) ?? {};
  const typed = split(row.kind, body);
  const old = row.settings as Record<string, unknown>;
  const settings = { ...old, ...typed.settings };
  const secrets: Record<string, string> = { ...stored, ...typed.secrets };
  if (body.clearSecret) delete secrets.secret;
  const moved = (["host", "port", "secure", "user"] as const).some((k) => settings[k] !== old[k]);
  if (row.kind === "email" && stored.password && !typed.secrets.password && moved) {
    throw fieldError(["password"], message("api.smtpPasswordForNewServer"));
  }
  // A signing secret is kept for the address it was saved with: a new URL without a secret typed
  // (or cleared) asks for it again, as a moved SMTP server asks for its password. Only signatures
  // are ever sent, but a receiver at the new address would get requests signed as the old one's.
  const urlMoved = typed.secrets.url !== undefined && typed.secrets.url !== stored.url;
  if ((row.kind === "dingtalk" || row.kind === "webhook") && stored.secret && !typed.secrets.secret && !body.clearSecret && urlMoved) {
    throw fieldError(["secret"], message("api.signingSecretForNewUrl"));
  }
  const target = validate(row.kind, settings, secrets);
  const secretsChanged = Object.keys(typed.secrets).length > 0 || Boolean(body.clearSecret);
  return { target, ...(secretsChanged && { secrets }), ...(typed.secrets.url && { displayUrl: displayUrlOf(typed.secrets.url) }) };
}

/**
 * Where a channel sends, which its stored secrets are kept for: the SMTP server, TLS and user (as
 * @qiao/db seals the password for it), or the URL (unreadable secrets: none).
 */
function addressOf(row: AlertChannelRow): string {
  if (row.kind !== "email") return alertChannelSecrets(row)?.url ?? "";
  return emailServerOf(row.settings);
}

/**
 * A change to a channel (@qiao/db updateAlertChannel's edit): checked as a whole over the channel as
 * this request read it (`row`: format, address policy, for email a login to the SMTP server, all
 * before anything is saved), then worked out again from the channel as locked when it is written
 * (`changeFrom`), so an edit saved in between keeps what this one did not type: its password or
 * secret is never written back over, nor left beside an address it was not saved for (session 32's
 * audit: a rename read before a move to another SMTP server stored the old server with the new
 * server's password). A channel whose address (SMTP server, TLS, user; URL) someone changed after
 * this request read it is not written: 409 api.alertChannelMoved, as a connection's base URL is
 * (what was checked here is not what would be written).
 */
export async function channelChange(row: AlertChannelRow, body: Partial<AlertChannelBody>): Promise<AlertChannelEdit> {
  const checked = changedChannel(row, body);
  await checkReachable(checked.target);
  const address = addressOf(row);
  return {
    ...(body.name !== undefined && { name: body.name }),
    ...(body.enabled !== undefined && { enabled: body.enabled }),
    changeFrom: (locked) => {
      if (addressOf(locked) !== address) throw new ApiError("conflict", message("api.alertChannelMoved"));
      const { target, secrets, displayUrl } = changedChannel(locked, body);
      return { settings: target.settings, ...(secrets && { secrets }), ...(displayUrl && { displayUrl }) };
    },
  };
}
