// The SMTP password travels only over TLS. An email channel with `secure: false` (port 587/25) was
// handed to nodemailer without `requireTLS`: whoever sits between Qiao and the SMTP server only had
// to drop "STARTTLS" from the EHLO answer (a STRIPTLS downgrade) and the stored password went in
// clear — at every save (verifySmtp), every 发送测试 and every alert. Plain-text logins remain only
// for a server on a loopback address with QIAO_SMTP_ALLOW_PLAIN_LOOPBACK (`allowPlainSmtpLoopback`).
// Every server here is on 127.0.0.1, or nodemailer is a spy: nothing leaves loopback.
import { randomBytes } from "node:crypto";
import { render } from "@qiao/core";
import { createAlertReceiver, createSmtpReceiver, DEFAULT_SMTP_LOGIN } from "@qiao/simulators";
import nodemailer from "nodemailer";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { channelTarget, type ChannelTarget } from "./channel-config";
import { testMessage } from "./message";
import { startPlainSmtp, type PlainSmtp } from "./testing/plain-smtp";
import { sendMessage, verifySmtp, type AlertSendError } from "./send";

const PASSWORD = `smtp-pw-${randomBytes(6).toString("hex")}`;
const POLICY = { allowPrivateTargets: true, allowedHosts: [], maxResponseBytes: 1_000_000 };
const PLAIN_ON_LOOPBACK = { ...POLICY, allowPlainSmtpLoopback: true };

let smtp: PlainSmtp;
let port: number;
let heard: string[];

beforeAll(async () => {
  // A STARTTLS channel's server with STARTTLS stripped from its EHLO answer.
  smtp = await startPlainSmtp();
  ({ port, heard } = smtp);
});
afterAll(() => smtp?.close());
afterEach(() => {
  vi.restoreAllMocks();
});

type Email = Extract<ChannelTarget, { kind: "email" }>;
const email = (host: string, smtpPort: number, user: string, password: string) =>
  channelTarget("email", { host, port: smtpPort, secure: false, user, from: "qiao@corp.local", to: ["ops@corp.local"] }, { password }) as Email;

const transcript = () => smtp.transcript();

describe("the SMTP password never travels in clear", { timeout: 30_000 }, () => {
  it("a STARTTLS channel whose server does not offer STARTTLS (stripped) is refused before AUTH", async () => {
    const target = email("127.0.0.1", port, "alerts@corp.local", PASSWORD);
    const error = await verifySmtp(target, { policy: POLICY, timeoutMs: 5_000 }).catch((e: unknown) => e);
    expect(transcript(), "the stored SMTP password went over a plain-text connection").not.toContain(PASSWORD);
    expect(heard.some((l) => l.toUpperCase().startsWith("AUTH"))).toBe(false);
    expect((error as Error).message).toContain("STARTTLS");
  });

  it("a server without STARTTLS on loopback: refused with what to do, unless QIAO_SMTP_ALLOW_PLAIN_LOOPBACK allows it", async () => {
    // The simulators' receiver (no STARTTLS, as the e2e setup and the alert tests use it).
    const { inbox } = createAlertReceiver();
    const receiver = createSmtpReceiver(inbox, DEFAULT_SMTP_LOGIN);
    const receiverPort = await receiver.listen(0);
    try {
      const target = email("127.0.0.1", receiverPort, DEFAULT_SMTP_LOGIN.user, DEFAULT_SMTP_LOGIN.password);
      const error = await sendMessage(target, testMessage("邮件", "http://qiao.example"), { policy: POLICY, timeoutMs: 5_000 }).catch((e: unknown) => e);
      expect((error as Error).message).toBe(
        `SMTP 服务器 127.0.0.1:${receiverPort} 未能建立 STARTTLS 加密（服务器没有提供，或证书无效），为免密码以明文发送，未登录：` +
          "请改用 SSL/TLS（通常端口 465），或检查服务器的 STARTTLS 设置和证书；本机上的中继可设置 QIAO_SMTP_ALLOW_PLAIN_LOOPBACK=true 以明文登录",
      );
      // The same, for an English page.
      expect(render((error as AlertSendError).text, "en")).toBe(
        `The SMTP server 127.0.0.1:${receiverPort} did not set up STARTTLS encryption (the server does not offer it, or its certificate is not valid), ` +
          "so there was no login (the password is never sent in clear): use SSL/TLS (usually port 465), or check the server's STARTTLS settings and certificate; " +
          "a relay on this machine may log in in plain text with QIAO_SMTP_ALLOW_PLAIN_LOOPBACK=true",
      );
      expect(inbox.summary().counts.email).toBe(0);

      await sendMessage(target, testMessage("邮件", "http://qiao.example"), { policy: PLAIN_ON_LOOPBACK, timeoutMs: 5_000 });
      expect(inbox.summary().counts.email).toBe(1);
    } finally {
      await receiver.close();
    }
  });

  it("QIAO_SMTP_ALLOW_PLAIN_LOOPBACK does not reach a server on another address: STARTTLS stays required", async () => {
    // nodemailer is a spy that connects nowhere; the name resolves (injected) to a private address.
    const createTransport = vi.spyOn(nodemailer, "createTransport").mockImplementation(
      () => ({ verify: () => Promise.reject(Object.assign(new Error("not connected"), { code: "ECONNECTION" })), close: () => undefined }) as never,
    );
    const resolve = vi.fn(async () => [{ address: "10.0.0.25", family: 4 }]);
    const withLogin = email("smtp.corp.example", 587, "alerts@corp.local", PASSWORD);
    await expect(verifySmtp(withLogin, { policy: PLAIN_ON_LOOPBACK, resolve })).rejects.toThrow(/连不上 SMTP 服务器/);
    expect(createTransport).toHaveBeenLastCalledWith(expect.objectContaining({ host: "10.0.0.25", secure: false, requireTLS: true }));

    // On loopback with the setting: plain text allowed; without it, or without a login, not required.
    resolve.mockResolvedValue([{ address: "127.0.0.1", family: 4 }]);
    await verifySmtp(withLogin, { policy: PLAIN_ON_LOOPBACK, resolve }).catch(() => undefined);
    expect(createTransport).toHaveBeenLastCalledWith(expect.objectContaining({ host: "127.0.0.1", requireTLS: false }));
    await verifySmtp(withLogin, { policy: POLICY, resolve }).catch(() => undefined);
    expect(createTransport).toHaveBeenLastCalledWith(expect.objectContaining({ requireTLS: true }));
    await verifySmtp(email("smtp.corp.example", 25, "", ""), { policy: POLICY, resolve }).catch(() => undefined);
    expect(createTransport).toHaveBeenLastCalledWith(expect.objectContaining({ requireTLS: false }));
  });
});
