// An email channel's password goes only to the SMTP server it was saved for (session 35): a row whose
// server was changed outside Settings (an UPDATE, a restored backup) sends nothing, to neither
// server, and its failure says what happened and what to do. Everything listens on loopback.
import { createServer, type Server, type Socket } from "node:net";
import { render } from "@qiao/core";
import { createAlertChannel, getAlertChannel } from "@qiao/db";
import { DEFAULT_SMTP_LOGIN } from "@qiao/simulators";
import { afterAll, beforeAll, expect, test } from "vitest";
import { sendTestAlert } from "./alerts";
import { openAlertTestBed, type AlertTestBed } from "./testing/fixtures";

let bed: AlertTestBed;
let elsewhere: Server;
let elsewherePort: number;
const connections: Socket[] = [];

beforeAll(async () => {
  bed = await openAlertTestBed("alert_channel_address");
  // Where the row is pointed behind the API: a listener that only counts who connects.
  elsewhere = createServer((socket) => {
    connections.push(socket);
    socket.destroy();
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
  elsewherePort = (elsewhere.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((resolve) => elsewhere?.close(resolve));
  await bed?.close();
});

test("an email channel whose SMTP port was changed outside Settings sends nothing, saying its server changed since the password was saved", async () => {
  const settings = { host: "127.0.0.1", port: bed.smtpPort, secure: false, user: DEFAULT_SMTP_LOGIN.user, from: "qiao@qiao.local", to: ["ops@qiao.local"] };
  const channel = await createAlertChannel(bed.db, { kind: "email", name: "邮件", settings, secrets: { password: DEFAULT_SMTP_LOGIN.password } });
  expect((await sendTestAlert(bed.deps, channel)).ok).toBe(true);
  expect(bed.receiver.inbox.summary().counts.email).toBe(1);

  await bed.db.$executeRaw`UPDATE alert_channels SET settings = jsonb_set(settings, '{port}', ${String(elsewherePort)}::jsonb) WHERE id = ${channel.id}::uuid`;
  const moved = (await getAlertChannel(bed.db, channel.id))!;
  const result = await sendTestAlert(bed.deps, moved);
  expect(result).toMatchObject({ ok: false, errorMessage: { code: "alert.channelAddressChanged" } });
  expect(result.error).toContain("SMTP 服务器（地址、端口、加密方式或用户名）在保存密码之后被改动过");
  expect(render(result.errorMessage!, "en")).toContain("enter the password again");
  expect(connections).toHaveLength(0);
  expect(bed.receiver.inbox.summary().counts.email).toBe(1);
  // Recorded on the channel for the settings page.
  expect((await getAlertChannel(bed.db, channel.id))!).toMatchObject({ failureCount: 1, lastErrorMessage: { code: "alert.channelAddressChanged" } });
});
