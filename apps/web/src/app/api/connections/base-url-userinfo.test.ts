// A connection's base URL is stored and shown in plain text (docs/security.md: base URLs are
// "plain"), to every signed-in viewer, so a base URL with a user name or password in it
// (`https://proxyuser:<password>@erp…/k3cloud/`, Basic auth node's client would send) is refused
// (400 on baseUrl). Before session 25 (its audit) it was saved, its password neither sealed nor kept
// from the browser. Rows saved before then (session 31's audit: still listed verbatim to viewers) lose
// it in migration 20261223100000_base_urls_without_userinfo; whatever holds one is shown without it,
// and the connectors refuse to call it. Nothing is sent: loopback IP literals, creating a connection
// calls nobody, and the test of a legacy row is refused before its request (a listener counts).
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
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

  it("a row saved with one before session 25: a viewer reads it without it, and testing it sends nothing", async () => {
    let heard = 0;
    const server = createServer((req, res) => {
      heard += 1;
      req.resume();
      res.writeHead(401).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      // A row as an instance of before session 25 left it (the schema then let it through).
      const legacy = await bed.db.createConnection(bed.prisma, {
        platform: "kingdee",
        name: "金蝶（旧）",
        baseUrl: `http://administrator:${URL_PASSWORD}@127.0.0.1:${port}/k3cloud/`,
        settings: { authType: "password", acctId: "dc", username: "administrator" },
        secrets: { password: "sealed-one" },
      });
      const { GET } = await import("./route");
      const { GET: getOne } = await import("./[id]/route");
      const { POST: test } = await import("./[id]/test/route");
      const viewer = await bed.db.createUser(bed.prisma, { email: `viewer-${randomBytes(3).toString("hex")}@route.test`, name: "viewer", role: "viewer", password: "route-password-1" });
      const { token } = await bed.db.createApiToken(bed.prisma, { userId: viewer.id, name: "viewer", role: "viewer" });
      const asViewer = { headers: { authorization: `Bearer ${token}` } };

      const listed = await bed.call(GET, "/api/connections", asViewer);
      expect(listed.status).toBe(200);
      expect(JSON.stringify(listed.body), "a viewer reads the password kept in the base URL").not.toContain(URL_PASSWORD);
      const one = await bed.call(getOne, `/api/connections/${legacy.id}`, { ...asViewer, params: { id: legacy.id } });
      expect((one.body as { baseUrl: string }).baseUrl).toBe(`http://127.0.0.1:${port}/k3cloud/`);

      const tested = await bed.call(test, `/api/connections/${legacy.id}/test`, { params: { id: legacy.id }, body: {} });
      expect(tested.status).toBe(200);
      expect(tested.body).toMatchObject({ ok: false, message: expect.stringContaining("重新填写") });
      expect(JSON.stringify(tested.body)).not.toContain(URL_PASSWORD);
      expect(heard, "the test called the address with the user info in it").toBe(0);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
