// A receiver for alerts, for local use and tests: the 钉钉 group robot (`/robot/send`, checking the
// access_token and the 加签 signature — timestamp within an hour, sign = base64(HMAC-SHA256(secret,
// timestamp + "\n" + secret)) — and answering with 钉钉's error codes), the 企业微信 group robot
// (`/cgi-bin/webhook/send?key=`), a generic webhook (`/webhook/<name>`, checking Qiao's
// X-Qiao-Signature) and, through ./smtp.ts, email. `/__admin/alerts` lists and counts what
// arrived, resets, and sets what to check. Written from the platforms' docs, sharing no code with
// @qiao/alerts.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { readBody } from "../kingdee/http";

export type AlertChannelName = "dingtalk" | "wecom" | "webhook" | "email";

export interface ReceivedAlert {
  channel: AlertChannelName;
  receivedAt: string;
  /** Whether the signature was present and correct (钉钉 with a secret, webhook with a secret). */
  signed: boolean;
  /** The posted JSON (email: subject, from, to, text). */
  body: unknown;
}

export interface RefusedAlert {
  channel: AlertChannelName;
  receivedAt: string;
  errcode: number;
  errmsg: string;
}

export const alertReceiverConfigSchema = z.object({
  dingtalkToken: z.string().min(1),
  /** Empty: the robot has no 加签 (only the token is checked). */
  dingtalkSecret: z.string(),
  wecomKey: z.string().min(1),
  /** Empty: webhook bodies are not checked. */
  webhookSecret: z.string(),
  /** Answer the next N webhook posts with HTTP 503 (to watch the sender retry). */
  webhookFailNext: z.number().int().min(0),
});
export type AlertReceiverConfig = z.infer<typeof alertReceiverConfigSchema>;

export const DEFAULT_ALERT_RECEIVER_CONFIG: AlertReceiverConfig = {
  dingtalkToken: "qiao-sim-dingtalk-token",
  dingtalkSecret: "SECqiao-sim-dingtalk-secret",
  wecomKey: "qiao-sim-wecom-key",
  webhookSecret: "qiao-sim-webhook-secret",
  webhookFailNext: 0,
};

/** 钉钉 refuses a signed call whose timestamp is more than an hour from its clock. */
const DINGTALK_MAX_SKEW_MS = 60 * 60_000;

export class AlertInbox {
  received: ReceivedAlert[] = [];
  refused: RefusedAlert[] = [];
  constructor(public config: AlertReceiverConfig) {}
  accept(channel: AlertChannelName, signed: boolean, body: unknown): void {
    this.received.push({ channel, receivedAt: new Date().toISOString(), signed, body });
  }
  refuse(channel: AlertChannelName, errcode: number, errmsg: string): void {
    this.refused.push({ channel, receivedAt: new Date().toISOString(), errcode, errmsg });
  }
  summary(channel?: string) {
    const list = channel ? this.received.filter((a) => a.channel === channel) : this.received;
    const counts = { dingtalk: 0, wecom: 0, webhook: 0, email: 0 };
    for (const a of this.received) counts[a.channel]++;
    return { counts, refused: this.refused.length, alerts: list, refusedAlerts: this.refused };
  }
  reset(): void {
    this.received = [];
    this.refused = [];
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const robotBody = z.object({ msgtype: z.enum(["text", "markdown"]) }).loose();

function send(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(value));
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function dingtalk(inbox: AlertInbox, url: URL, raw: string, now: number): { errcode: number; errmsg: string } {
  const cfg = inbox.config;
  if (url.searchParams.get("access_token") !== cfg.dingtalkToken) return { errcode: 300001, errmsg: "token is not exist" };
  let signed = false;
  if (cfg.dingtalkSecret) {
    const timestamp = Number(url.searchParams.get("timestamp"));
    const sign = url.searchParams.get("sign") ?? "";
    if (!Number.isFinite(timestamp) || Math.abs(now - timestamp) > DINGTALK_MAX_SKEW_MS) {
      return { errcode: 310000, errmsg: "sign not match, more: timestamp is invalid or more than one hour from now" };
    }
    const expected = createHmac("sha256", cfg.dingtalkSecret).update(`${timestamp}\n${cfg.dingtalkSecret}`).digest("base64");
    if (!sameText(sign, expected)) return { errcode: 310000, errmsg: "sign not match" };
    signed = true;
  }
  const body = robotBody.safeParse(parseJson(raw));
  if (!body.success) return { errcode: 40035, errmsg: "缺少参数 json" };
  inbox.accept("dingtalk", signed, body.data);
  return { errcode: 0, errmsg: "ok" };
}

function wecom(inbox: AlertInbox, url: URL, raw: string): { errcode: number; errmsg: string } {
  if (url.searchParams.get("key") !== inbox.config.wecomKey) return { errcode: 93000, errmsg: "invalid webhook url" };
  const body = robotBody.safeParse(parseJson(raw));
  if (!body.success) return { errcode: 40008, errmsg: "invalid message type" };
  inbox.accept("wecom", false, body.data);
  return { errcode: 0, errmsg: "ok" };
}

function webhook(inbox: AlertInbox, req: IncomingMessage, raw: string): { status: number; error?: string } {
  const cfg = inbox.config;
  if (cfg.webhookFailNext > 0) {
    cfg.webhookFailNext--;
    return { status: 503, error: "injected failure" };
  }
  let signed = false;
  if (cfg.webhookSecret) {
    const timestamp = String(req.headers["x-qiao-timestamp"] ?? "");
    const signature = String(req.headers["x-qiao-signature"] ?? "");
    const expected = `sha256=${createHmac("sha256", cfg.webhookSecret).update(`${timestamp}.${raw}`).digest("hex")}`;
    if (!timestamp || !sameText(signature, expected)) return { status: 401, error: "bad signature" };
    signed = true;
  }
  const body = parseJson(raw);
  if (body === undefined) return { status: 400, error: "body is not JSON" };
  inbox.accept("webhook", signed, body);
  return { status: 200 };
}

async function admin(inbox: AlertInbox, req: IncomingMessage, url: URL, raw: string, res: ServerResponse): Promise<void> {
  if (req.method === "GET" && url.pathname === "/__admin/alerts") return send(res, 200, inbox.summary(url.searchParams.get("channel") ?? undefined));
  if (req.method === "POST" && url.pathname === "/__admin/alerts/reset") {
    inbox.reset();
    return send(res, 200, { ok: true });
  }
  if (req.method === "POST" && url.pathname === "/__admin/alerts/config") {
    const parsed = alertReceiverConfigSchema.partial().strict().safeParse(parseJson(raw) ?? null);
    if (!parsed.success) return send(res, 400, { error: "参数无效", issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) });
    inbox.config = { ...inbox.config, ...parsed.data };
    return send(res, 200, { config: inbox.config });
  }
  if (req.method === "GET" && url.pathname === "/__admin/alerts/config") return send(res, 200, { config: inbox.config });
  send(res, 404, { error: `没有 ${req.method ?? ""} ${url.pathname}` });
}

export interface AlertReceiver {
  inbox: AlertInbox;
  /** Resolves to the receiver's base URL, e.g. http://127.0.0.1:4030. */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

export function createAlertReceiver(config: Partial<AlertReceiverConfig> = {}, inbox = new AlertInbox({ ...DEFAULT_ALERT_RECEIVER_CONFIG, ...config })): AlertReceiver {
  let server: Server | undefined;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://receiver");
    const raw = await readBody(req);
    if (url.pathname.startsWith("/__admin/")) return admin(inbox, req, url, raw, res);
    if (req.method !== "POST") return send(res, 405, { error: "POST only" });
    if (url.pathname === "/robot/send" || url.pathname === "/cgi-bin/webhook/send") {
      const channel = url.pathname === "/robot/send" ? "dingtalk" : "wecom";
      const answer = channel === "dingtalk" ? dingtalk(inbox, url, raw, Date.now()) : wecom(inbox, url, raw);
      if (answer.errcode !== 0) inbox.refuse(channel, answer.errcode, answer.errmsg);
      // Both robots answer 200 with the error in the body.
      return send(res, 200, answer);
    }
    if (url.pathname.startsWith("/webhook/")) {
      const answer = webhook(inbox, req, raw);
      if (answer.error) inbox.refuse("webhook", answer.status, answer.error);
      return send(res, answer.status, answer.error ? { error: answer.error } : { ok: true });
    }
    send(res, 404, { error: `没有 ${url.pathname}` });
  };
  return {
    inbox,
    listen(port, host = "127.0.0.1") {
      server = createServer((req, res) => {
        handle(req, res).catch(() => send(res, 500, { error: "receiver error" }));
      });
      return new Promise((resolve, reject) => {
        server!.once("error", reject);
        server!.listen(port, host, () => {
          const address = server!.address() as AddressInfo;
          resolve(`http://${host.includes(":") ? `[${host}]` : host}:${address.port}`);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        if (!server) return resolve();
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
