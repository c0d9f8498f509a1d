// An admin resets a user's password (the account was phished, the laptop lost): "a new password
// signs the user out everywhere". Before session 19 only better-auth sessions went: every API token
// minted with the old password — which any role, a viewer included, can do in one POST /api/tokens —
// kept working, so whoever held the old password kept the account's access after the reset.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;

beforeAll(async () => {
  bed = await openRouteBed("routepwreset", "admin");
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

describe("a password reset ends every way in that the old password gave", { timeout: 60_000 }, () => {
  it("the API token the intruder minted with the old password stops working after the admin resets it", async () => {
    const victim = await bed.db.createUser(bed.prisma, { email: `phished-${Date.now()}@route.test`, name: "victim", role: "editor", password: "old-password-leaked" });
    // The intruder, signed in with the leaked password, keeps a token for later (as the API allows).
    const { token } = await bed.db.createApiToken(bed.prisma, { userId: victim.id, name: "backup", role: "editor" });

    const { PATCH } = await import("./route");
    const reset = await bed.call(PATCH, `/api/users/${victim.id}`, { method: "PATCH", body: { password: "new-password-after-incident" }, params: { id: victim.id } });
    expect(reset.status).toBe(200);
    expect(await bed.prisma.session.count({ where: { userId: victim.id } })).toBe(0);

    const { GET } = await import("../../tokens/route");
    const after = await bed.call(GET, "/api/tokens", { headers: { authorization: `Bearer ${token}` } });
    expect(after.status, "the token minted before the reset still authenticates").toBe(401);
  });
});
