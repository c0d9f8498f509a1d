// Sending one message through one channel. Every address goes through the outbound policy before
// anything is sent (HTTP: the guarded lookup of @qiao/connectors' httpPost; SMTP: the host is
// resolved and checked here and nodemailer is handed the checked address). Errors are
// AlertSendError with a message of @qiao/core's catalog a person can act on (in their language),
// naming the host but never the URL's query (the robot's token or key), a secret or the SMTP password.
import { message, render, type Message } from "@qiao/core";
import { AddressRefusedError, httpPost, isLoopbackAddress, refusalOf, systemResolve, targetOf, type OutboundPolicy, type Resolve } from "@qiao/connectors";
import { isIP } from "node:net";
import nodemailer, { type Transporter } from "nodemailer";
import { z } from "zod";
import { displayUrlOf, type ChannelTarget } from "./channel-config";
import type { AlertMessage } from "./message";
import { signedDingtalkUrl, SIGNATURE_HEADER, TIMESTAMP_HEADER, webhookSignature } from "./sign";

/** Why a send (or an SMTP check) failed: `text` for people, in their language; the error's message is its zh-CN text. */
export class AlertSendError extends Error {
  override name = "AlertSendError";
  constructor(
    readonly text: Message,
    options?: { cause?: unknown },
  ) {
    super(render(text, "zh-CN"), options);
  }
}

export interface SendOptions {
  policy: OutboundPolicy;
  resolve?: Resolve;
  timeoutMs?: number;
  /** Generic webhook: the waits before its second, third … attempt. */
  retryDelaysMs?: readonly number[];
  /** Milliseconds since the epoch (the signatures' timestamp). */
  now?: () => number;
  /** What goes to a generic webhook besides the rendered message (the events). */
  data?: Record<string, unknown>;
}

export const DEFAULT_RETRY_DELAYS_MS = [1_000, 5_000] as const;
const DEFAULT_TIMEOUT_MS = 10_000;
/** 企业微信 refuses markdown over 4096 bytes. */
const WECOM_MAX_BYTES = 4096;

const robotAnswer = z.object({ errcode: z.number(), errmsg: z.string().optional() });

export async function sendMessage(target: ChannelTarget, msg: AlertMessage, options: SendOptions): Promise<void> {
  const now = options.now ?? Date.now;
  switch (target.kind) {
    case "dingtalk": {
      const url = signedDingtalkUrl(target.secrets.url, target.secrets.secret || undefined, now());
      const body =
        target.settings.msgtype === "text"
          ? { msgtype: "text", text: { content: msg.text } }
          : { msgtype: "markdown", markdown: { title: msg.title, text: msg.markdown } };
      return postRobot("dingtalk", url, body, options);
    }
    case "wecom":
      return postRobot("wecom", new URL(target.secrets.url), { msgtype: "markdown", markdown: { content: truncateBytes(msg.markdown, WECOM_MAX_BYTES) } }, options);
    case "webhook":
      return postWebhook(target, msg, options, now);
    case "email":
      return sendEmail(target, msg, options);
  }
}

function truncateBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let cut = text.slice(0, max);
  while (Buffer.byteLength(cut) > max - 3) cut = cut.slice(0, -1);
  return `${cut}…`;
}

async function post(url: URL, body: string, headers: Record<string, string>, options: SendOptions) {
  try {
    return await httpPost(url, body, { "content-type": "application/json; charset=utf-8", ...headers }, {
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      policy: options.policy,
      ...(options.resolve && { resolve: options.resolve }),
    });
  } catch (error) {
    throw new AlertSendError(networkText(displayUrlOf(url.toString()), error), { cause: error });
  }
}

function networkText(where: string, error: unknown): Message {
  if (error instanceof AddressRefusedError) return message("alert.addressRefused", { where, refused: error.message, refusedEn: error.messageEn });
  const e = error as NodeJS.ErrnoException;
  if (e.name === "TimeoutError") return message("alert.noAnswer", { where });
  if (e.code === "ECONNREFUSED") return message("alert.connectionRefused", { where });
  if (e.code === "ENOTFOUND" || e.code === "EAI_AGAIN") return message("alert.hostNotFound", { where });
  return message("alert.sendFailed", { where, reason: e.code ?? e.message });
}

async function postRobot(robot: "dingtalk" | "wecom", url: URL, body: unknown, options: SendOptions): Promise<void> {
  const where = displayUrlOf(url.toString());
  const answer = await post(url, JSON.stringify(body), {}, options);
  if (answer.status < 200 || answer.status >= 300) throw new AlertSendError(message("alert.robotHttp", { robot, where, status: answer.status }));
  let parsed: z.infer<typeof robotAnswer>;
  try {
    parsed = robotAnswer.parse(JSON.parse(answer.text));
  } catch {
    throw new AlertSendError(message("alert.robotUnexpected", { robot, where }));
  }
  if (parsed.errcode !== 0) throw new AlertSendError(message("alert.robotRefused", { robot, errcode: parsed.errcode, errmsg: parsed.errmsg ?? null }));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function postWebhook(target: Extract<ChannelTarget, { kind: "webhook" }>, msg: AlertMessage, options: SendOptions, now: () => number): Promise<void> {
  const url = new URL(target.secrets.url);
  const where = displayUrlOf(url.toString());
  const body = JSON.stringify({ source: "qiao", title: msg.title, text: msg.text, markdown: msg.markdown, ...options.data });
  const delays = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  let last: AlertSendError | undefined;
  for (let attempt = 0; attempt <= delays.length; attempt++) {
    if (attempt > 0) await sleep(delays[attempt - 1]!);
    // Signed per attempt: a receiver that refuses old timestamps accepts a late retry.
    const timestamp = now();
    const headers: Record<string, string> = { [TIMESTAMP_HEADER]: String(timestamp) };
    if (target.secrets.secret) headers[SIGNATURE_HEADER] = webhookSignature(target.secrets.secret, timestamp, body);
    try {
      const answer = await post(url, body, headers, options);
      if (answer.status >= 200 && answer.status < 300) return;
      last = new AlertSendError(message("alert.webhookHttp", { where, status: answer.status }));
      // A 4xx other than 408/429 will not change by asking again.
      if (answer.status < 500 && answer.status !== 408 && answer.status !== 429) throw last;
    } catch (error) {
      if (error === last) throw error;
      if (error instanceof AlertSendError && error.cause instanceof AddressRefusedError) throw error;
      last = error instanceof AlertSendError ? error : new AlertSendError(message("alert.unexpected", { text: String(error) }));
    }
  }
  throw new AlertSendError(message("alert.webhookAttempts", { last: last?.text ?? null, attempts: delays.length + 1 }));
}

/** The SMTP host's addresses, each checked by the policy; the first is what nodemailer connects to. */
async function checkedSmtpAddress(host: string, port: number, options: SendOptions): Promise<string> {
  const target = targetOf(new URL(`smtp://${host.includes(":") ? `[${host}]` : host}:${port}`));
  let addresses;
  try {
    addresses = await (options.resolve ?? systemResolve)(target.host);
  } catch {
    throw new AlertSendError(message("alert.smtpHostNotFound", { host }));
  }
  for (const a of addresses) {
    const rule = refusalOf(a.address, target, options.policy);
    if (!rule) continue;
    const refusal = new AddressRefusedError(a.address, rule);
    throw new AlertSendError(message("alert.smtpAddressRefused", { host, refused: refusal.message, refusedEn: refusal.messageEn }));
  }
  if (!addresses[0]) throw new AlertSendError(message("alert.smtpNoAddress", { host }));
  return addresses[0].address;
}

/**
 * The login (the stored password) travels only over TLS: from the first byte (`secure`), or after
 * STARTTLS, which nodemailer then insists on (`requireTLS`): a server that does not offer it — or
 * someone in between who strips it from the EHLO answer — gets an error before AUTH, never the
 * password. Plain text only to a loopback address, and only when QIAO_SMTP_ALLOW_PLAIN_LOOPBACK
 * says so (a local relay; the simulators' receiver in tests and e2e).
 */
function plainLoginAllowed(address: string, options: SendOptions): boolean {
  return options.policy.allowPlainSmtpLoopback === true && isLoopbackAddress(address);
}

function smtpTransport(target: Extract<ChannelTarget, { kind: "email" }>, address: string, options: SendOptions) {
  const { host, port, secure, user } = target.settings;
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return nodemailer.createTransport({
    host: address,
    port,
    secure,
    requireTLS: !secure && Boolean(user) && !plainLoginAllowed(address, options),
    // The certificate is checked against the name the person typed, not the address connected to
    // (an IP literal is no server name: TLS then checks the address itself).
    tls: isIP(host) ? {} : { servername: host },
    ...(user && { auth: { user, pass: target.secrets.password ?? "" } }),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
}

async function withSmtp(target: Extract<ChannelTarget, { kind: "email" }>, options: SendOptions, use: (t: Transporter) => Promise<unknown>): Promise<void> {
  const { host, port } = target.settings;
  const address = await checkedSmtpAddress(host, port, options);
  const transport = smtpTransport(target, address, options);
  try {
    await use(transport);
  } catch (error) {
    const e = error as SmtpError;
    // A relay on this machine without STARTTLS: say how to allow it (the login never leaves the host).
    const localRelay = isLoopbackAddress(address) && !plainLoginAllowed(address, options);
    throw new AlertSendError(smtpText(`${host}:${port}`, e, localRelay), { cause: error });
  } finally {
    transport.close();
  }
}

function sendEmail(target: Extract<ChannelTarget, { kind: "email" }>, msg: AlertMessage, options: SendOptions): Promise<void> {
  const { from, to } = target.settings;
  return withSmtp(target, options, (t) => t.sendMail({ from, to, subject: msg.title, text: msg.text }));
}

/**
 * Checks a channel before it is saved, sending no message: every kind's address against the policy
 * (done by the caller for URLs), and for email a connection and login to the SMTP server.
 */
export async function verifySmtp(target: Extract<ChannelTarget, { kind: "email" }>, options: SendOptions): Promise<void> {
  await withSmtp(target, options, (t) => t.verify());
}

type SmtpError = NodeJS.ErrnoException & { responseCode?: number; command?: string };

/** `localRelay`: the server is on this machine and a plain login is not allowed (a STARTTLS failure then says how to allow it). */
function smtpText(where: string, e: SmtpError, localRelay: boolean): Message {
  const code = e.responseCode ?? null;
  if (e.code === "ETLS" && e.command === "STARTTLS") return message("alert.smtpStartTls", { where, localRelay });
  if (e.code === "ETLS") return message("alert.smtpTls", { where });
  if (e.code === "EAUTH") return message("alert.smtpLoginRefused", { where, code });
  if (e.code === "EENVELOPE") return message("alert.smtpEnvelopeRefused", { where, code });
  if (e.code === "ETIMEDOUT") return message("alert.smtpNoAnswer", { where });
  if (e.code === "ECONNECTION" || e.code === "ECONNREFUSED" || e.code === "ESOCKET") return message("alert.smtpUnreachable", { where });
  if (e.code === "EMESSAGE") return message("alert.smtpMessageRefused", { where, code });
  return message("alert.smtpFailed", { where, code: e.code ?? null });
}
