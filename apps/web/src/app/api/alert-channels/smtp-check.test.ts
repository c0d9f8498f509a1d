// An email channel is saved only once its SMTP server took the login; when it did not, the 400 says
// why in the page's language (before, the English page got a generic sentence and the Chinese detail
// only in Chinese). Nothing leaves loopback: the server is a closed port on 127.0.0.1.
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;

beforeAll(async () => {
  bed = await openRouteBed("smtpcheck", "admin", { QIAO_ALLOW_PRIVATE_TARGETS: "true" });
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

type Refusal = { error?: { message?: string; issues?: { path: unknown[]; message: string; messageEn?: string }[] } };

describe("the SMTP check of a new email channel", { timeout: 60_000 }, () => {
  it("says why the server could not be reached, in Chinese and in English", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));

    const { POST } = await import("./route");
    const body = { kind: "email", name: "运维邮件", host: "127.0.0.1", port, secure: false, user: "alerts@corp.local", password: "pw", from: "qiao@corp.local", to: ["ops@corp.local"] };
    const zh = await bed.call(POST, "/api/alert-channels", { body });
    const english = await bed.call(POST, "/api/alert-channels", { body, headers: { "accept-language": "en" } });
    expect([zh.status, english.status]).toEqual([400, 400]);

    const zhText = `连不上 SMTP 服务器 127.0.0.1:${port}：请检查主机、端口和加密方式`;
    const enText = `Cannot connect to the SMTP server 127.0.0.1:${port}: check the host, the port and the encryption`;
    expect((zh.body as Refusal).error?.message).toBe(zhText);
    expect((english.body as Refusal).error?.message).toBe(enText);
    // The form shows the same words on the host field (its issue carries both).
    expect((english.body as Refusal).error?.issues).toEqual([{ path: ["host"], message: zhText, messageEn: enText }]);
    expect(await bed.prisma.alertChannel.count({ where: { name: "运维邮件" } })).toBe(0);
  });
});
