// Two admins editing one alert channel at once (session 32's audit of alerts, failing before its
// fix). A moves an email channel to another SMTP server and types that server's password; B, who
// opened the form before A saved, only renames it. B's PATCH merged its settings from the row as B's
// request read it (the old server) and wrote them whole, while the secrets were merged from the row
// as it was at B's write (A's new password): the channel pointed at the old server with the new
// server's password, and the next alert logged in to the old server with it — what "the password
// only goes to the server it was saved for" (session 17) forbids. Now the edit is worked out again
// from the row locked for the write (updateAlertChannel's changeFrom), and an edit read before the
// channel's address moved is refused (409) rather than written beside the new address. The same for
// a 钉钉 / webhook URL and its signing secret. Everything stays on loopback.
import { randomBytes } from "node:crypto";
import { createServer, connect, type AddressInfo, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlainSmtp, type PlainSmtp } from "@qiao/alerts/testing";
import { ApiError } from "@/server/errors";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

const OLD_PASSWORD = `old-smtp-pw-${randomBytes(6).toString("hex")}`;
const NEW_PASSWORD = `new-smtp-pw-${randomBytes(6).toString("hex")}`;

let bed: RouteBed;
let oldSmtp: PlainSmtp | undefined;
let newSmtp: PlainSmtp | undefined;
let gate: Server | undefined;

/**
 * A TCP front for `port` on 127.0.0.1 that holds every connection until `open()` (so a login to it
 * takes as long as the test wants, as a slow server's does), then pipes it through.
 */
async function gatedFront(port: number) {
  let opened = false;
  const held: Socket[] = [];
  let arrived: () => void = () => undefined;
  const firstArrival = new Promise<void>((resolve) => (arrived = resolve));
  const pipe = (client: Socket) => {
    const upstream = connect(port, "127.0.0.1");
    client.pipe(upstream).pipe(client);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  };
  gate = createServer((client) => {
    arrived();
    if (opened) pipe(client);
    else held.push(client);
  });
  await new Promise<void>((resolve) => gate!.listen(0, "127.0.0.1", resolve));
  return {
    port: (gate.address() as AddressInfo).port,
    firstArrival,
    open() {
      opened = true;
      for (const c of held.splice(0)) pipe(c);
    },
  };
}

beforeAll(async () => {
  bed = await openRouteBed("auditchanrace", "admin", { QIAO_ALLOW_PRIVATE_TARGETS: "true", QIAO_SMTP_ALLOW_PLAIN_LOOPBACK: "true" });
}, 120_000);

afterAll(async () => {
  await oldSmtp?.close();
  await newSmtp?.close();
  await new Promise<void>((resolve) => (gate ? gate.close(() => resolve()) : resolve()));
  await bed?.close();
});

describe("two admins edit one email channel at once", { timeout: 60_000 }, () => {
  it("a rename read before a move to another server never leaves the new server's password on the old server", async () => {
    oldSmtp = await startPlainSmtp("old.local");
    newSmtp = await startPlainSmtp("new.local");
    const front = await gatedFront(oldSmtp.port);
    const row = await bed.db.createAlertChannel(bed.prisma, {
      kind: "email",
      name: "运维邮件",
      settings: { host: "127.0.0.1", port: front.port, secure: false, user: "alerts@corp.local", from: "qiao@corp.local", to: ["ops@corp.local"] },
      secrets: { password: OLD_PASSWORD },
    });
    const { PATCH } = await import("./route");
    const { POST: TEST } = await import("./test/route");
    const patch = (body: Record<string, unknown>) => bed.call(PATCH, `/api/alert-channels/${row.id}`, { method: "PATCH", body, params: { id: row.id } });

    // B renames: its request reads the row (old server) and checks the login, which the old server is slow to answer.
    const renamed = patch({ name: "运维邮件（改名）" });
    // (A fix that no longer logs in for a rename answers B before anything reaches the old server.)
    await Promise.race([front.firstArrival, renamed]);
    // Meanwhile A moves the channel to the new server with that server's password: saved.
    const moved = await patch({ port: newSmtp.port, password: NEW_PASSWORD });
    expect(moved.status).toBe(200);
    front.open();
    // B's rename goes through too (both answered 200, neither told of the other).
    const second = await renamed;

    // What the channel holds now must be one server with its own password.
    const stored = await bed.prisma.alertChannel.findUniqueOrThrow({ where: { id: row.id } });
    const settings = stored.settings as { port: number };
    const secrets = bed.db.alertChannelSecrets(stored);
    const pairs = { port: settings.port === front.port ? "old" : settings.port === newSmtp.port ? "new" : "other", password: secrets?.password === NEW_PASSWORD ? "new" : "old" };

    // The next alert (here 发送测试) logs in to the server stored, with the password stored.
    const sent = await bed.call(TEST, `/api/alert-channels/${row.id}/test`, { method: "POST", body: {}, params: { id: row.id } });
    expect(sent.status).toBe(200);

    expect({ renameStatus: second.status, oldServerHeardNewPassword: oldSmtp.transcript().includes(NEW_PASSWORD) }).toEqual({ renameStatus: second.status, oldServerHeardNewPassword: false });
    expect(pairs.port).toBe(pairs.password);
  });
});

describe("two admins edit one webhook channel at once", { timeout: 60_000 }, () => {
  async function stored() {
    return bed.db.createAlertChannel(bed.prisma, {
      kind: "webhook",
      name: "运维 webhook",
      settings: {},
      secrets: { url: "http://127.0.0.1:9/hooks/old", secret: "old-signing-secret" },
      displayUrl: "http://127.0.0.1:9/hooks/…",
    });
  }
  const secretsOf = async (id: string) => bed.db.alertChannelSecrets(await bed.prisma.alertChannel.findUniqueOrThrow({ where: { id } }));

  it("a signing secret typed for the URL read is not stored beside the URL saved meanwhile: 409, nothing written", async () => {
    const { PATCH } = await import("./route");
    const { channelChange } = await import("@/server/alert-channels");
    const row = await stored();
    // B's request has read the channel (the old URL) and checked its edit: a new signing secret.
    const edit = await channelChange(row, { secret: "b-signing-secret" });
    // Meanwhile A moves it to another URL with that URL's secret.
    const moved = await bed.call(PATCH, `/api/alert-channels/${row.id}`, { method: "PATCH", body: { url: "http://127.0.0.1:9/hooks/new", secret: "a-signing-secret" }, params: { id: row.id } });
    expect(moved.status).toBe(200);
    // B's write: refused, A's URL keeps A's secret.
    const written = bed.db.updateAlertChannel(bed.prisma, row.id, edit);
    await expect(written).rejects.toBeInstanceOf(ApiError);
    await expect(written).rejects.toMatchObject({ code: "conflict" });
    expect(await secretsOf(row.id)).toEqual({ url: "http://127.0.0.1:9/hooks/new", secret: "a-signing-secret" });
  });

  it("an edit read before another one that kept the URL is laid over it: the secret saved meanwhile stays", async () => {
    const { PATCH } = await import("./route");
    const { channelChange } = await import("@/server/alert-channels");
    const row = await stored();
    const edit = await channelChange(row, { name: "改名" });
    const resigned = await bed.call(PATCH, `/api/alert-channels/${row.id}`, { method: "PATCH", body: { secret: "a-signing-secret" }, params: { id: row.id } });
    expect(resigned.status).toBe(200);
    const written = await bed.db.updateAlertChannel(bed.prisma, row.id, edit);
    expect(written?.name).toBe("改名");
    expect(await secretsOf(row.id)).toEqual({ url: "http://127.0.0.1:9/hooks/old", secret: "a-signing-secret" });
  });
});
