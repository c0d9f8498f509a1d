// An admin resets a user's password (the account was phished, the laptop lost): "a new password
// signs the user out everywhere". Before session 19 only better-auth sessions went: every API token
// minted with the old password — which any role, a viewer included, can do in one POST /api/tokens —
// kept working, so whoever held the old password kept the account's access after the reset.
// And a user edited while another admin deletes them is a 404 (session 33's audit: a 500, the update
// meeting the row the delete had removed).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { racingDelete } from "@/server/testing/racing-commit";
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

it("a user renamed while another admin deletes them is a 404, not a 500", { timeout: 60_000 }, async () => {
  const user = await bed.db.createUser(bed.prisma, { email: `leaving-${Date.now()}@route.test`, name: "leaving", role: "viewer", password: "route-bed-password-2" });
  const { PATCH } = await import("./route");
  const res = await racingDelete("users", user.id, () =>
    bed.call(PATCH, `/api/users/${user.id}`, { method: "PATCH", body: { name: "renamed" }, params: { id: user.id } }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(404);
  expect(res.body.error?.code).toBe("not_found");
});
