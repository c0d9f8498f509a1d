// A stored 金蝶 password never ends up bound to a base URL it was not saved for. PATCH with a new
// baseUrl asks for every stored secret again (mergeCredentials), and a password typed as spaces
// counts as not typed there; whatever the caller merged, updateConnection keeps only the secrets typed
// now when the base URL moves. Before session 25 (its audit) "   " passed the check, was trimmed to
// nothing by the connector's schema, and the stored password stayed sealed beside the new URL: a
// later edit or test switching the login back to password sent it there.
// Nothing leaves loopback: the connection's addresses are 127.0.0.1 / 127.0.0.2 literals.
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

const STORED_PASSWORD = `stored-k3-pw-${randomBytes(6).toString("hex")}`;
const SAVED_URL = "http://127.0.0.1:9/k3cloud/";
const OTHER_URL = "http://127.0.0.2:9/k3cloud/";

let bed: RouteBed;

beforeAll(async () => {
  bed = await openRouteBed("k3move", "admin", { QIAO_ALLOW_PRIVATE_TARGETS: "true" });
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

/** A 金蝶 connection saved at SAVED_URL with STORED_PASSWORD (password login). */
function createStored(POST: Parameters<RouteBed["call"]>[0], name: string) {
  return bed.call(POST, "/api/connections", {
    body: { platform: "kingdee", name, baseUrl: SAVED_URL, credentials: { authType: "password", acctId: "dc1", username: "administrator", password: STORED_PASSWORD } },
  });
}

describe("a stored 金蝶 password stays with the base URL it was saved for", { timeout: 60_000 }, () => {
  it("a new baseUrl with the password typed as spaces neither keeps the stored password nor lets it reach the new URL", async () => {
    const { POST } = await import("../route");
    const { PATCH } = await import("./route");
    const created = await createStored(POST, "金蝶");
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;

    // An admin (who can never read the password) moves the connection to another server. The password
    // "typed again" is only spaces; the login is switched to an app secret so the edit validates.
    const moved = await bed.call(PATCH, `/api/connections/${id}`, {
      method: "PATCH",
      params: { id },
      body: { baseUrl: OTHER_URL, credentials: { authType: "appSecret", appId: "app", appSecret: "new-app-secret", password: "   " } },
    });

    const row = await bed.db.getConnection(bed.prisma, id);
    expect(row).not.toBeNull();
    if (moved.status === 400) {
      // Refused, as the promise asks: nothing changed.
      expect(row!.baseUrl).toBe(SAVED_URL);
      return;
    }
    expect(moved.status).toBe(200);
    expect(row!.baseUrl).toBe(OTHER_URL);
    // The password saved for SAVED_URL must not be kept for OTHER_URL.
    expect(bed.db.storedSecrets(row!), "the stored password is still sealed in the row, now bound to the new base URL").not.toHaveProperty("password", STORED_PASSWORD);
    expect(JSON.stringify(bed.db.storedSecrets(row!))).not.toContain(STORED_PASSWORD);
  });

  it("a later test at the new address (login switched back to password) does not send the old password there", async () => {
    // "Another server": a listener on another loopback address that keeps every body it receives.
    const heard: string[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        heard.push(body);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ LoginResultType: 0, Message: "no" }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.2", resolve));
    const otherUrl = `http://127.0.0.2:${(server.address() as AddressInfo).port}/k3cloud/`;
    try {
      const { POST } = await import("../route");
      const { PATCH } = await import("./route");
      const { POST: TEST } = await import("./test/route");
      const created = await createStored(POST, "金蝶 2");
      const id = (created.body as { id: string }).id;
      await bed.call(PATCH, `/api/connections/${id}`, {
        method: "PATCH",
        params: { id },
        body: { baseUrl: otherUrl, credentials: { authType: "appSecret", appId: "app", appSecret: "new-app-secret", password: "   " } },
      });
      // Test the connection as it now stands, with password login: no new baseUrl, no password typed.
      await bed.call(TEST, `/api/connections/${id}/test`, { params: { id }, body: { credentials: { authType: "password" } } });
      expect(heard.join("\n"), `the password saved for ${SAVED_URL} reached ${otherUrl}`).not.toContain(STORED_PASSWORD);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
