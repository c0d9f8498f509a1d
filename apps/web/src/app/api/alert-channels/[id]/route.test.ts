// An email channel's stored SMTP password goes only to the server it was saved for: an edit of the
// port or TLS (not only host or user) asks for it again. Before, the save logged in to the new
// address with the stored password: here a plain-text listener on another port heard it in clear.
// A 钉钉 / webhook channel's signing secret likewise stays with its URL (session 26).
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPlainSmtp, type PlainSmtp } from "@qiao/alerts/testing";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

const PASSWORD = `stored-smtp-pw-${randomBytes(6).toString("hex")}`;

let bed: RouteBed;

/** A plain SMTP server on loopback that offers AUTH without STARTTLS and keeps every line it hears. */
let smtp: PlainSmtp | undefined;
const transcript = () => smtp?.transcript() ?? "";

beforeAll(async () => {
  // The listener is on loopback: private targets allowed, as the e2e specs run.
  bed = await openRouteBed("routesmtp", "admin", { QIAO_ALLOW_PRIVATE_TARGETS: "true" });
}, 120_000);

afterAll(async () => {
  await smtp?.close();
  await bed?.close();
});

describe("an email channel's stored password only goes to the server it was saved for", { timeout: 60_000 }, () => {
  it("changing the port and switching TLS off asks for the password again; nothing reaches the new port", async () => {
    smtp = await startPlainSmtp("other.local");
    const otherPort = smtp.port;
    // Saved for 127.0.0.1:465 over TLS, with its password sealed (as POST /api/alert-channels stores it).
    const row = await bed.db.createAlertChannel(bed.prisma, {
      kind: "email",
      name: "运维邮件",
      settings: { host: "127.0.0.1", port: 465, secure: true, user: "alerts@corp.local", from: "qiao@corp.local", to: ["ops@corp.local"] },
      secrets: { password: PASSWORD },
    });

    const { PATCH } = await import("./route");
    const { status, body } = await bed.call(PATCH, `/api/alert-channels/${row.id}`, { method: "PATCH", body: { port: otherPort, secure: false }, params: { id: row.id } });

    expect(transcript()).not.toContain(PASSWORD);
    expect(status).toBe(400);
    expect(body.error?.issues?.[0]?.path).toEqual(["password"]);
  });
});

describe("a webhook channel's signing secret stays with the URL it was saved for", { timeout: 60_000 }, () => {
  async function stored() {
    return bed.db.createAlertChannel(bed.prisma, {
      kind: "webhook",
      name: "运维 webhook",
      settings: {},
      secrets: { url: "http://127.0.0.1:9/hooks/old", secret: "stored-signing-secret" },
      displayUrl: "http://127.0.0.1:9/hooks/…",
    });
  }

  it("a new URL without the secret typed again is refused, naming the secret; typed again or cleared, it is saved", async () => {
    const { PATCH } = await import("./route");
    const row = await stored();
    const patch = (body: Record<string, unknown>) => bed.call(PATCH, `/api/alert-channels/${row.id}`, { method: "PATCH", body, params: { id: row.id } });

    const refused = await patch({ url: "http://127.0.0.1:9/hooks/new" });
    expect(refused.status).toBe(400);
    expect(refused.body.error?.issues?.[0]?.path).toEqual(["secret"]);
    expect(bed.db.alertChannelSecrets((await bed.prisma.alertChannel.findUniqueOrThrow({ where: { id: row.id } })))).toEqual({ url: "http://127.0.0.1:9/hooks/old", secret: "stored-signing-secret" });

    expect((await patch({ url: "http://127.0.0.1:9/hooks/new", clearSecret: true })).status).toBe(200);
    expect(bed.db.alertChannelSecrets((await bed.prisma.alertChannel.findUniqueOrThrow({ where: { id: row.id } })))).toEqual({ url: "http://127.0.0.1:9/hooks/new" });

    const other = await stored();
    const again = await bed.call(PATCH, `/api/alert-channels/${other.id}`, { method: "PATCH", body: { url: "http://127.0.0.1:9/hooks/new", secret: "new-secret" }, params: { id: other.id } });
    expect(again.status).toBe(200);
    // The name alone (the URL as stored) keeps the secret.
    const renamed = await bed.call(PATCH, `/api/alert-channels/${other.id}`, { method: "PATCH", body: { name: "改名" }, params: { id: other.id } });
    expect(renamed.status).toBe(200);
    expect(bed.db.alertChannelSecrets((await bed.prisma.alertChannel.findUniqueOrThrow({ where: { id: other.id } })))).toEqual({ url: "http://127.0.0.1:9/hooks/new", secret: "new-secret" });
  });
});
