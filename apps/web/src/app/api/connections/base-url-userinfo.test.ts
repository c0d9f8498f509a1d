// A connection's base URL is stored and shown in plain text (docs/security.md: base URLs are
// "plain"), to every signed-in viewer, so a base URL with a user name or password in it
// (`https://proxyuser:<password>@erp…/k3cloud/`, Basic auth node's client would send) is refused
// (400 on baseUrl). Before session 25 (its audit) it was saved, its password neither sealed nor kept
// from the browser. Nothing is sent: a loopback IP literal, and creating a connection calls nobody.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

const URL_PASSWORD = `url-pw-${randomBytes(6).toString("hex")}`;
const BASE_URL = `http://proxyuser:${URL_PASSWORD}@127.0.0.1:9/k3cloud/`;

let bed: RouteBed;

beforeAll(async () => {
  bed = await openRouteBed("userinfo", "admin", { QIAO_ALLOW_PRIVATE_TARGETS: "true" });
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

describe("a password in a connection's base URL is treated as a secret", { timeout: 60_000 }, () => {
  it("is refused or sealed: never stored in plain text, never in a viewer's answer", async () => {
    const { POST, GET } = await import("./route");
    const created = await bed.call(POST, "/api/connections", {
      body: { platform: "kingdee", name: "金蝶（代理）", baseUrl: BASE_URL, credentials: { authType: "password", acctId: "dc1", username: "administrator", password: "p" } },
    });
    expect(JSON.stringify(created.body), "the answer to the save repeats the URL's password").not.toContain(URL_PASSWORD);

    const viewer = await bed.db.createUser(bed.prisma, { email: `viewer-${randomBytes(3).toString("hex")}@route.test`, name: "viewer", role: "viewer", password: "route-password-1" });
    const { token } = await bed.db.createApiToken(bed.prisma, { userId: viewer.id, name: "viewer", role: "viewer" });
    const listed = await bed.call(GET, "/api/connections", { headers: { authorization: `Bearer ${token}` } });
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body), "a viewer reads the URL's password in GET /api/connections").not.toContain(URL_PASSWORD);

    const rows = await bed.prisma.$queryRaw<{ base_url: string }[]>`SELECT base_url FROM connections`;
    expect(rows.map((r) => r.base_url).join("\n"), "the URL's password is stored in plain text").not.toContain(URL_PASSWORD);
  });
});
