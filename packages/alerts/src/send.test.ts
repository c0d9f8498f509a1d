// Each channel kind against the simulators' receiver on loopback: what arrives, signed; what a
// refusal says; and that an address the policy refuses gets nothing (no connection is attempted).
import { createServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { channelTarget } from "./channel-config";
import { testMessage } from "./message";
import { AlertSendError, sendMessage } from "./send";
import { openAlertTestBed, LOOPBACK_POLICY, type AlertTestBed } from "./testing/fixtures";
import { DEFAULT_ALERT_RECEIVER_CONFIG as SIM, DEFAULT_SMTP_LOGIN } from "@qiao/simulators";

let bed: AlertTestBed;
beforeAll(async () => {
  bed = await openAlertTestBed("alert_send");
});
afterAll(() => bed?.close());
beforeEach(() => {
  bed.receiver.inbox.reset();
  bed.receiver.inbox.config = { ...SIM };
});

const msg = testMessage("测试渠道", "http://qiao.example");
const opts = () => ({ policy: LOOPBACK_POLICY, retryDelaysMs: [10, 20], timeoutMs: 5_000 });
const dingtalk = (secret = SIM.dingtalkSecret, msgtype: "markdown" | "text" = "markdown") =>
  channelTarget("dingtalk", { msgtype }, { url: `${bed.receiverUrl}/robot/send?access_token=${SIM.dingtalkToken}`, secret });

describe("钉钉 robot", () => {
  test("a signed markdown message is accepted and counted as signed", async () => {
    await sendMessage(dingtalk(), msg, opts());
    const { alerts } = bed.receiver.inbox.summary("dingtalk");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ signed: true, body: { msgtype: "markdown", markdown: { title: msg.title } } });
  });

  test("text messages too", async () => {
    await sendMessage(dingtalk(undefined, "text"), msg, opts());
    expect(bed.receiver.inbox.summary("dingtalk").alerts[0]).toMatchObject({ body: { msgtype: "text", text: { content: msg.text } } });
  });

  test("a wrong secret: 钉钉's 310000 becomes a clear error, nothing is received", async () => {
    const error = await sendMessage(dingtalk("SECwrong"), msg, opts()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlertSendError);
    expect((error as Error).message).toContain("errcode 310000");
    expect((error as Error).message).toContain("加签");
    expect((error as Error).message).not.toContain(SIM.dingtalkToken);
    expect(bed.receiver.inbox.summary().counts.dingtalk).toBe(0);
    expect(bed.receiver.inbox.refused[0]).toMatchObject({ channel: "dingtalk", errcode: 310000 });
  });

  test("a timestamp more than an hour off is refused as 钉钉 does", async () => {
    const error = await sendMessage(dingtalk(), msg, { ...opts(), now: () => Date.now() - 61 * 60_000 }).catch((e: unknown) => e);
    expect((error as Error).message).toContain("310000");
  });
});

test("企业微信 robot: markdown with the key in the URL; a wrong key is refused", async () => {
  await sendMessage(channelTarget("wecom", {}, { url: `${bed.receiverUrl}/cgi-bin/webhook/send?key=${SIM.wecomKey}` }), msg, opts());
  expect(bed.receiver.inbox.summary("wecom").alerts[0]).toMatchObject({ body: { msgtype: "markdown", markdown: { content: msg.markdown } } });
  const error = await sendMessage(channelTarget("wecom", {}, { url: `${bed.receiverUrl}/cgi-bin/webhook/send?key=nope` }), msg, opts()).catch((e: unknown) => e);
  expect((error as Error).message).toContain("93000");
  expect((error as Error).message).not.toContain("key=nope");
});

describe("generic webhook", () => {
  const target = (secret = SIM.webhookSecret) => channelTarget("webhook", {}, { url: `${bed.receiverUrl}/webhook/ops`, secret });

  test("signed JSON body, retried after a 503", async () => {
    bed.receiver.inbox.config.webhookFailNext = 1;
    await sendMessage(target(), msg, { ...opts(), data: { total: 1 } });
    const { alerts } = bed.receiver.inbox.summary("webhook");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ signed: true, body: { source: "qiao", title: msg.title, total: 1 } });
    expect(bed.receiver.inbox.refused).toHaveLength(1);
  });

  // 飞书-style: the whole token is the last path segment. The error text becomes the channel's
  // lastError (shown to every viewer) and a line of the worker's log.
  const HOOK_TOKEN = "6f1c2e0a-93b7-4d55-a1c2-feishu-secret";

  test("a refused webhook whose token is in the path: the error names it masked, never the token", async () => {
    // The receiver has no such path: 404, final.
    const error = await sendMessage(channelTarget("webhook", {}, { url: `${bed.receiverUrl}/open-apis/bot/v2/hook/${HOOK_TOKEN}` }), msg, opts()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AlertSendError);
    expect((error as Error).message).toBe(`Webhook ${bed.receiverUrl}/… 应答 HTTP 404`);
    expect((error as Error).message).not.toContain(HOOK_TOKEN);
  });

  test("a webhook that cannot be reached: the network error names it masked too", async () => {
    // A loopback port nobody listens on (the server is closed before the send).
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const error = await sendMessage(channelTarget("webhook", {}, { url: `http://127.0.0.1:${port}/${HOOK_TOKEN}` }), msg, { ...opts(), retryDelaysMs: [] }).catch((e: unknown) => e);
    expect((error as Error).message).toContain(`连不上 http://127.0.0.1:${port}/…`);
    expect((error as Error).message).not.toContain(HOOK_TOKEN);
  });

  test("gives up after its attempts with the last answer; a 401 is not retried", async () => {
    bed.receiver.inbox.config.webhookFailNext = 5;
    await expect(sendMessage(target(), msg, opts())).rejects.toThrow(/HTTP 503（已尝试 3 次）/);
    bed.receiver.inbox.config.webhookFailNext = 0;
    bed.receiver.inbox.reset();
    await expect(sendMessage(target("other"), msg, opts())).rejects.toThrow(/HTTP 401/);
    expect(bed.receiver.inbox.refused).toHaveLength(1);
  });
});

describe("email over SMTP", () => {
  const target = (password: string) =>
    channelTarget("email", { host: "127.0.0.1", port: bed.smtpPort, secure: false, user: DEFAULT_SMTP_LOGIN.user, from: "qiao@qiao.local", to: ["ops@qiao.local"] }, { password });

  test("arrives with the Chinese subject", async () => {
    await sendMessage(target(DEFAULT_SMTP_LOGIN.password), msg, opts());
    expect(bed.receiver.inbox.summary("email").alerts[0]).toMatchObject({ signed: true, body: { subject: msg.title, to: ["ops@qiao.local"] } });
    expect((bed.receiver.inbox.summary("email").alerts[0]!.body as { text: string }).text).toContain("配置正确");
  });

  test("a refused login is a clear error without the password", async () => {
    const error = await sendMessage(target("wrong-password"), msg, opts()).catch((e: unknown) => e);
    expect((error as Error).message).toContain("拒绝了登录");
    expect((error as Error).message).not.toContain("wrong-password");
    expect(bed.receiver.inbox.summary().counts.email).toBe(0);
  });
});

describe("the outbound address policy", () => {
  const closed = { ...LOOPBACK_POLICY, allowPrivateTargets: false };

  test("refuses loopback when private targets are not allowed: nothing arrives", async () => {
    await expect(sendMessage(dingtalk(), msg, { ...opts(), policy: closed })).rejects.toThrow(/回环地址/);
    expect(bed.receiver.inbox.summary().counts.dingtalk).toBe(0);
  });

  test("a name resolving to the metadata service is refused before any connection", async () => {
    const resolve = vi.fn(async () => [{ address: "169.254.169.254", family: 4 }]);
    const http = channelTarget("webhook", {}, { url: "http://hooks.example.test/x" });
    await expect(sendMessage(http, msg, { ...opts(), resolve })).rejects.toThrow(/元数据/);
    const smtp = channelTarget("email", { host: "smtp.example.test", port: 25, secure: false, user: "", from: "a@b.cn", to: ["c@d.cn"] }, {});
    await expect(sendMessage(smtp, msg, { ...opts(), resolve })).rejects.toThrow(/元数据/);
    expect(resolve).toHaveBeenCalledWith("hooks.example.test");
    expect(resolve).toHaveBeenCalledWith("smtp.example.test");
  });
});
