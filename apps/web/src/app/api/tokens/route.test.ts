// A token that creates a token: capped by its role (e2e/roles.spec.ts) and by its life. A token that
// expires in an hour (handed to a script, a contractor, a CI job) minted a token that never expired,
// and that child kept working after the parent expired or was revoked (docs/security.md: a token
// holder gets nothing "after it expired or was revoked").
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;

beforeAll(async () => {
  bed = await openRouteBed("routetokens", "editor");
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

async function shortLivedToken(expiresInMs: number) {
  const user = await bed.db.createUser(bed.prisma, { email: `contractor-${Date.now()}@route.test`, name: "contractor", role: "editor", password: "route-password-1" });
  const { token, row } = await bed.db.createApiToken(bed.prisma, { userId: user.id, name: "one hour, for a script", role: "editor", expiresAt: new Date(Date.now() + expiresInMs) });
  return { user, token, row };
}

type Created = { token: string; apiToken: { id: string; expiresAt: string | null; revokedAt: string | null } };
type Refused = { error: { code: string; message: string; issues: { path: unknown[]; message: string; messageEn?: string }[] } };

describe("a token cannot outlive the token that created it", { timeout: 60_000 }, () => {
  it("a token that expires in an hour cannot mint a token that never expires (or expires later than itself)", async () => {
    const parent = await shortLivedToken(60 * 60 * 1000);
    const { POST } = await import("./route");
    const as = { authorization: `Bearer ${parent.token}` };

    // No expiry asked: it expires with its creator.
    const created = await bed.call(POST, "/api/tokens", { body: { name: "forever" }, headers: as });
    expect(created.status).toBe(201);
    const child = (created.body as unknown as Created).apiToken;
    expect(child.expiresAt, "the child token never expires although its creator expires in an hour").not.toBeNull();
    expect(Date.parse(child.expiresAt!)).toBeLessThanOrEqual(parent.row.expiresAt!.getTime());

    // Never, or later than its creator: refused, saying until when, in both languages.
    const count = await bed.prisma.apiToken.count({ where: { userId: parent.user.id } });
    for (const expiresAt of [null, new Date(Date.now() + 2 * 60 * 60 * 1000).toISOString()]) {
      const refused = await bed.call(POST, "/api/tokens", { body: { name: "longer", expiresAt }, headers: as });
      expect(refused.status).toBe(403);
      const { error } = refused.body as unknown as Refused;
      expect(error.code).toBe("forbidden");
      expect(error.message).toContain(parent.row.expiresAt!.toISOString());
      expect(error.message).toContain("不能晚于该令牌过期");
      expect(error.issues[0]).toMatchObject({ path: ["expiresAt"], messageEn: expect.stringContaining("cannot expire after that token") });
    }
    expect(await bed.prisma.apiToken.count({ where: { userId: parent.user.id } })).toBe(count);

    // Earlier than its creator: as asked.
    const sooner = new Date(Date.now() + 30 * 60 * 1000).toISOString();
    const earlier = await bed.call(POST, "/api/tokens", { body: { name: "half an hour", expiresAt: sooner }, headers: as });
    expect(earlier.status).toBe(201);
    expect((earlier.body as unknown as Created).apiToken.expiresAt).toBe(sooner);
  });

  it("after the creating token has expired, the token it minted no longer authenticates", async () => {
    const parent = await shortLivedToken(60 * 60 * 1000);
    const { POST, GET } = await import("./route");
    const created = await bed.call(POST, "/api/tokens", { body: { name: "child" }, headers: { authorization: `Bearer ${parent.token}` } });
    expect(created.status).toBe(201);
    const childToken = (created.body as unknown as Created).token;

    // The parent's hour is over (its row says so; nothing else changes).
    await bed.prisma.apiToken.update({ where: { id: parent.row.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect((await bed.call(GET, "/api/tokens", { headers: { authorization: `Bearer ${parent.token}` } })).status).toBe(401);

    const withChild = await bed.call(GET, "/api/tokens", { headers: { authorization: `Bearer ${childToken}` } });
    expect(withChild.status, "a token minted by an expired token still works").toBe(401);
  });

  it("revoking the creating token revokes the tokens it minted, and they stop working", async () => {
    const parent = await shortLivedToken(60 * 60 * 1000);
    const { POST, GET } = await import("./route");
    const { DELETE } = await import("./[id]/route");
    const created = await bed.call(POST, "/api/tokens", { body: { name: "child" }, headers: { authorization: `Bearer ${parent.token}` } });
    const child = created.body as unknown as Created;
    expect((await bed.call(GET, "/api/tokens", { headers: { authorization: `Bearer ${child.token}` } })).status).toBe(200);

    // The parent is revoked (here by itself, as its owner would on the settings page).
    const revoked = await bed.call(DELETE, `/api/tokens/${parent.row.id}`, { method: "DELETE", headers: { authorization: `Bearer ${parent.token}` }, params: { id: parent.row.id } });
    expect(revoked.status).toBe(200);
    expect((await bed.call(GET, "/api/tokens", { headers: { authorization: `Bearer ${child.token}` } })).status).toBe(401);
    // Listed as revoked, so the owner sees why it stopped.
    expect((await bed.prisma.apiToken.findUniqueOrThrow({ where: { id: child.apiToken.id } })).revokedAt).not.toBeNull();
  });

  it("a token made by a token that never expires keeps the expiry asked, none included", async () => {
    const user = await bed.db.createUser(bed.prisma, { email: `forever-${Date.now()}@route.test`, name: "forever", role: "editor", password: "route-password-1" });
    const { token } = await bed.db.createApiToken(bed.prisma, { userId: user.id, name: "no expiry", role: "editor" });
    const { POST } = await import("./route");
    const created = await bed.call(POST, "/api/tokens", { body: { name: "child", expiresAt: null }, headers: { authorization: `Bearer ${token}` } });
    expect(created.status).toBe(201);
    expect((created.body as unknown as Created).apiToken.expiresAt).toBeNull();
  });
});
