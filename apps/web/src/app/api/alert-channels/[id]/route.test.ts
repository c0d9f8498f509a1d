// An email channel's stored SMTP password goes only to the server it was saved for: an edit of the
// port or TLS (not only host or user) asks for it again. Before, the save logged in to the new
// address with the stored password: here a plain-text listener on another port heard it in clear.
import { randomBytes } from "node:crypto";
import { createServer, type AddressInfo, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

const PASSWORD = `stored-smtp-pw-${randomBytes(6).toString("hex")}`;

let bed: RouteBed;

/** A plain SMTP server on loopback that offers AUTH without STARTTLS and keeps every line it hears. */
let smtp: Server;
const heard: string[] = [];
function startSmtp(): Promise<number> {
  smtp = createServer((socket) => {
    socket.setEncoding("utf8");
    socket.write("220 other.local ESMTP\r\n");
    let buffer = "";
    let awaiting = 0; // AUTH LOGIN: lines still to come
    socket.on("data", (chunk: string) => {
      buffer += chunk;
      let i: number;
      while ((i = buffer.indexOf("\r\n")) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        heard.push(line);
        const verb = line.split(" ")[0]!.toUpperCase();
        if (awaiting > 0) {
          awaiting--;
          socket.write(awaiting > 0 ? "334 UGFzc3dvcmQ6\r\n" : "235 ok\r\n");
        } else if (verb === "EHLO") socket.write("250-other.local\r\n250 AUTH PLAIN LOGIN\r\n");
        else if (verb === "AUTH" && line.toUpperCase().startsWith("AUTH LOGIN")) {
          awaiting = line.split(" ").length > 2 ? 1 : 2;
          socket.write(awaiting === 2 ? "334 VXNlcm5hbWU6\r\n" : "334 UGFzc3dvcmQ6\r\n");
        } else if (verb === "AUTH") socket.write("235 ok\r\n");
        else if (verb === "QUIT") socket.end("221 bye\r\n");
        else socket.write("250 ok\r\n");
      }
    });
    socket.on("error", () => undefined);
  });
  return new Promise((resolve) => smtp.listen(0, "127.0.0.1", () => resolve((smtp.address() as AddressInfo).port)));
}

/** Everything the listener heard, with base64 words decoded too (AUTH PLAIN / LOGIN carry the password so). */
const transcript = () => heard.flatMap((l) => [l, ...l.split(" ").map((w) => Buffer.from(w, "base64").toString("utf8"))]).join("\n");

beforeAll(async () => {
  // The listener is on loopback: private targets allowed, as the e2e specs run.
  bed = await openRouteBed("routesmtp", "admin", { QIAO_ALLOW_PRIVATE_TARGETS: "true" });
}, 120_000);

afterAll(async () => {
  await new Promise((r) => (smtp ? smtp.close(r) : r(undefined)));
  await bed?.close();
});

describe("an email channel's stored password only goes to the server it was saved for", { timeout: 60_000 }, () => {
  it("changing the port and switching TLS off asks for the password again; nothing reaches the new port", async () => {
    const otherPort = await startSmtp();
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
