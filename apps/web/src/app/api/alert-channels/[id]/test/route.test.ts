// 发送测试 says why a channel failed in the page's language, and so does the channel's last failure
// (kept on the row as a message, rendered per reader). Before, an English page read "钉钉机器人拒绝了消息…".
// Against the simulators' 钉钉 receiver and a closed port, both on 127.0.0.1.
import { createServer } from "node:net";
import { createAlertReceiver, DEFAULT_ALERT_RECEIVER_CONFIG as SIM, type AlertReceiver } from "@qiao/simulators";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

const en = { "accept-language": "en" };
let bed: RouteBed;
let receiver: AlertReceiver;
let receiverUrl: string;

beforeAll(async () => {
  receiver = createAlertReceiver();
  receiverUrl = await receiver.listen(0);
  bed = await openRouteBed("alerttest", "admin", { QIAO_ALLOW_PRIVATE_TARGETS: "true" });
}, 120_000);

afterAll(async () => {
  await bed?.close();
  await receiver?.close();
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

type Answer = { ok: boolean; error?: string; channel: { lastError: string | null } };

/** 发送测试 twice, by default (zh-CN) and in English; then the channel list in English. */
async function testedInBoth(id: string) {
  const { POST } = await import("./route");
  const { GET } = await import("../../route");
  const zh = await bed.call(POST, `/api/alert-channels/${id}/test`, { method: "POST", params: { id } });
  const english = await bed.call(POST, `/api/alert-channels/${id}/test`, { method: "POST", params: { id }, headers: en });
  expect([zh.status, english.status]).toEqual([200, 200]);
  const listed = await bed.call(GET, "/api/alert-channels", { headers: en });
  const channels = (listed.body as unknown as { channels: { id: string; lastError: string | null }[] }).channels;
  return { zh: zh.body as unknown as Answer, en: english.body as unknown as Answer, listed: channels.find((c) => c.id === id) };
}

describe("POST /api/alert-channels/:id/test answers in the caller's language", { timeout: 60_000 }, () => {
  it("a 钉钉 robot refusing the signature", async () => {
    const channel = await bed.db.createAlertChannel(bed.prisma, {
      kind: "dingtalk",
      name: "运维群",
      settings: { msgtype: "markdown" },
      secrets: { url: `${receiverUrl}/robot/send?access_token=${SIM.dingtalkToken}`, secret: "SECwrong" },
    });
    const zhText = "钉钉机器人拒绝了消息：errcode 310000 sign not match（加签密钥或时间戳不对，或消息缺少安全设置里的关键词）";
    const enText =
      'The DingTalk robot refused the message: errcode 310000 "sign not match" (the signing secret or the timestamp is wrong, or the message lacks a keyword of the robot\'s security settings)';
    const { zh, en: english, listed } = await testedInBoth(channel.id);
    expect(zh).toMatchObject({ ok: false, error: zhText, channel: { lastError: zhText } });
    expect(english).toMatchObject({ ok: false, error: enText, channel: { lastError: enText } });
    expect(listed?.lastError).toBe(enText);
    // SQL readers (and rows from before messages) still have the Chinese text.
    expect((await bed.prisma.alertChannel.findUniqueOrThrow({ where: { id: channel.id } })).lastError).toBe(zhText);
  });

  it("an SMTP server that cannot be reached", async () => {
    const port = await closedPort();
    const channel = await bed.db.createAlertChannel(bed.prisma, {
      kind: "email",
      name: "运维邮件",
      settings: { host: "127.0.0.1", port, secure: false, user: "alerts@corp.local", from: "qiao@corp.local", to: ["ops@corp.local"] },
      secrets: { password: "smtp-password" },
    });
    const { zh, en: english, listed } = await testedInBoth(channel.id);
    expect(zh).toMatchObject({ ok: false, error: `连不上 SMTP 服务器 127.0.0.1:${port}：请检查主机、端口和加密方式` });
    const enText = `Cannot connect to the SMTP server 127.0.0.1:${port}: check the host, the port and the encryption`;
    expect(english).toMatchObject({ ok: false, error: enText, channel: { lastError: enText } });
    expect(listed?.lastError).toBe(enText);
  });

  it("a channel whose secrets no longer open", async () => {
    const channel = await bed.db.createAlertChannel(bed.prisma, { kind: "webhook", name: "webhook", settings: {}, secrets: { url: "http://127.0.0.1:9/hook" } });
    // Sealed for another row: it does not open here (as after a key change, or a copied row).
    const other = await bed.db.createAlertChannel(bed.prisma, { kind: "webhook", name: "other", settings: {}, secrets: { url: "http://127.0.0.1:9/other" } });
    await bed.prisma.alertChannel.update({ where: { id: channel.id }, data: { secretCiphertext: other.secretCiphertext, secretKeyId: other.secretKeyId } });
    const { zh, en: english } = await testedInBoth(channel.id);
    expect(zh.error).toBe("渠道的密钥无法解开（密钥已更换或数据被改动）：请在设置里重新填写网址和密钥");
    expect(english.error).toBe("The channel's secrets cannot be decrypted (the key changed or the row was altered): enter its URL and secrets again in Settings");
  });
});
