import { verifyPassword } from "better-auth/crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createApiToken,
  createUser,
  ensureAdminUser,
  findApiTokenWithOwner,
  findUserByApiToken,
  hashApiToken,
  listApiTokens,
  listUsers,
  revokeApiToken,
} from "./accounts";
import { createPrisma, type Db } from "./client";
import {
  createConnection,
  connectionCredentials,
  findConnectionsById,
  getConnection,
  listConnectionRefs,
  listConnections,
  updateConnection,
  ConnectionChangedError,
  storedSecrets,
} from "./connections";
import { deleteConnection } from "./connection-usage";
import { createTestDatabase, type TestDatabase } from "./testing";
import { deleteUser, LastAdminError, updateUser } from "./users";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("accounts");
  db = createPrisma(tdb.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

// Password hashing (scrypt) takes seconds on a loaded 2-core machine: more than vitest's default 5 s.
const SLOW = { timeout: 30_000 };

describe("accounts", SLOW, () => {
  it("creates the admin once, with a password better-auth can verify", async () => {
    const first = await ensureAdminUser(db, "a@example.com", "s3cret-pass");
    const second = await ensureAdminUser(db, "a@example.com", "other-pass");
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(first.user.role).toBe("admin");
    const account = await db.account.findFirstOrThrow({ where: { userId: first.user.id, providerId: "credential" } });
    expect(account.password).not.toContain("s3cret-pass");
    expect(await verifyPassword({ hash: account.password!, password: "s3cret-pass" })).toBe(true);
  });

  it("stores only the hash of API tokens and refuses revoked ones", async () => {
    const { user } = await ensureAdminUser(db, "t@example.com", "s3cret-pass");
    const { token, row } = await createApiToken(db, { userId: user.id, name: "ci", role: "admin" });
    expect(token.startsWith("qiao_")).toBe(true);
    expect(row.tokenHash).toBe(hashApiToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect((await findUserByApiToken(db, token))?.user.id).toBe(user.id);
    expect(await findUserByApiToken(db, token + "x")).toBeNull();
    await db.apiToken.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
    expect(await findUserByApiToken(db, token)).toBeNull();
  });

  it("refuses an expired token and records when a token was last used", async () => {
    const user = await createUser(db, { email: "x@example.com", name: "x", password: "s3cret-pass", role: "editor" });
    const expiresAt = new Date("2026-12-01T00:00:00Z");
    const { token, row } = await createApiToken(db, { userId: user.id, name: "expiring", role: "editor", expiresAt });
    expect(row.lastUsedAt).toBeNull();
    const before = new Date(expiresAt.getTime() - 1000);
    expect((await findUserByApiToken(db, token, before))?.role).toBe("editor");
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: row.id } })).lastUsedAt).toEqual(before);
    expect(await findUserByApiToken(db, token, expiresAt)).toBeNull();
    expect(await findUserByApiToken(db, token, new Date(expiresAt.getTime() + 1000))).toBeNull();
  });

  it("acts with the lower of the token's role and its owner's current role", async () => {
    const user = await createUser(db, { email: "d@example.com", name: "d", password: "s3cret-pass", role: "admin" });
    await ensureAdminUser(db, "other-admin@example.com", "s3cret-pass");
    const admin = await createApiToken(db, { userId: user.id, name: "admin", role: "admin" });
    const viewer = await createApiToken(db, { userId: user.id, name: "viewer", role: "viewer" });
    expect((await findUserByApiToken(db, admin.token))?.role).toBe("admin");
    expect((await findUserByApiToken(db, viewer.token))?.role).toBe("viewer");
    await updateUser(db, user.id, { role: "editor" });
    expect((await findUserByApiToken(db, admin.token))?.role).toBe("editor");
    expect((await findUserByApiToken(db, viewer.token))?.role).toBe("viewer");
    await updateUser(db, user.id, { role: "viewer" });
    expect((await findUserByApiToken(db, admin.token))?.role).toBe("viewer");
  });

  it("a token minted by a token works only while every token up its chain does; revoking one revokes what it minted", async () => {
    const user = await createUser(db, { email: "chain@example.com", name: "chain", password: "s3cret-pass", role: "editor" });
    const now = new Date("2026-12-10T00:00:00Z");
    const hour = new Date(now.getTime() + 3_600_000);
    const parent = await createApiToken(db, { userId: user.id, name: "parent", role: "editor", expiresAt: hour });
    const child = await createApiToken(db, { userId: user.id, name: "child", role: "editor", parentId: parent.row.id });
    const grandchild = await createApiToken(db, { userId: user.id, name: "grandchild", role: "viewer", parentId: child.row.id });
    // The chain's earliest expiry is the grandchild's, although neither it nor its own creator has one.
    expect((await findUserByApiToken(db, grandchild.token, now))?.token).toEqual({ id: grandchild.row.id, expiresAt: hour });
    expect(await findUserByApiToken(db, grandchild.token, hour)).toBeNull();
    expect(await findUserByApiToken(db, child.token, hour)).toBeNull();

    // Revoking the middle one ends it and what it minted, not its own creator.
    const revoked = await revokeApiToken(db, child.row.id, now);
    expect(revoked.revokedAt).toEqual(now);
    expect((await db.apiToken.findUniqueOrThrow({ where: { id: grandchild.row.id } })).revokedAt).toEqual(now);
    expect(await findUserByApiToken(db, grandchild.token, now)).toBeNull();
    expect((await findUserByApiToken(db, parent.token, now))?.user.id).toBe(user.id);

    // A revocation marked on the creator alone (a row revoked before this cascade) still ends the chain.
    const other = await createApiToken(db, { userId: user.id, name: "other child", role: "editor", parentId: parent.row.id });
    await db.apiToken.update({ where: { id: parent.row.id }, data: { revokedAt: now } });
    expect(await findUserByApiToken(db, other.token, now)).toBeNull();
  });
});

describe("users", SLOW, () => {
  it("never demotes or deletes the last admin, even when two admins demote each other at once", async () => {
    const { tdb: own, db: udb } = await freshDb("lastadmin");
    try {
      const a = await createUser(udb, { email: "a@example.com", name: "a", password: "s3cret-pass", role: "admin" });
      const b = await createUser(udb, { email: "b@example.com", name: "b", password: "s3cret-pass", role: "admin" });
      const results = await Promise.allSettled([updateUser(udb, a.id, { role: "editor" }), updateUser(udb, b.id, { role: "viewer" })]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const refused = results.find((r) => r.status === "rejected");
      expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(LastAdminError);
      const last = await udb.user.findFirstOrThrow({ where: { role: "admin" } });
      await expect(updateUser(udb, last.id, { role: "viewer" })).rejects.toBeInstanceOf(LastAdminError);
      await expect(deleteUser(udb, last.id)).rejects.toBeInstanceOf(LastAdminError);
      expect(await udb.user.count({ where: { role: "admin" } })).toBe(1);
      // Renaming the last admin or keeping the role is fine; another user can be deleted.
      expect((await updateUser(udb, last.id, { name: "still admin", role: "admin" }))?.name).toBe("still admin");
      const other = last.id === a.id ? b : a;
      expect(await deleteUser(udb, other.id)).toBe(true);
      expect(await deleteUser(udb, other.id)).toBe(false);
      expect(await updateUser(udb, other.id, { name: "gone" })).toBeNull();
    } finally {
      await udb.$disconnect();
      await own.drop();
    }
  });

  it("lists a user's tokens or everyone's with their owner, newest first; a revoked token stays listed and is refused", async () => {
    const owner = await createUser(db, { email: "owner@example.com", name: "o", password: "s3cret-pass", role: "editor" });
    const other = await createUser(db, { email: "other@example.com", name: "x", password: "s3cret-pass", role: "viewer" });
    const older = await createApiToken(db, { userId: owner.id, name: "older", role: "editor" });
    await db.apiToken.update({ where: { id: older.row.id }, data: { createdAt: new Date(Date.now() - 60_000) } });
    const newer = await createApiToken(db, { userId: owner.id, name: "newer", role: "viewer" });
    const theirs = await createApiToken(db, { userId: other.id, name: "theirs", role: "viewer" });

    const own = await listApiTokens(db, { userId: owner.id });
    expect(own.map((t) => [t.name, t.user.email])).toEqual([["newer", "owner@example.com"], ["older", "owner@example.com"]]);
    const everyone = (await listApiTokens(db, "all")).map((t) => t.id);
    expect(everyone).toEqual(expect.arrayContaining([older.row.id, newer.row.id, theirs.row.id]));
    expect((await findApiTokenWithOwner(db, theirs.row.id))?.user).toEqual({ id: other.id, email: "other@example.com" });
    expect(await findApiTokenWithOwner(db, "00000000-0000-4000-8000-00000000dead")).toBeNull();

    const revoked = await revokeApiToken(db, newer.row.id);
    expect(revoked.revokedAt).toBeInstanceOf(Date);
    expect(revoked.user.email).toBe("owner@example.com");
    expect(await findUserByApiToken(db, newer.token)).toBeNull();
    expect((await listApiTokens(db, { userId: owner.id })).map((t) => t.id)).toContain(newer.row.id);

    const users = await listUsers(db);
    expect(users.findIndex((u) => u.id === owner.id)).toBeLessThan(users.findIndex((u) => u.id === other.id));
  });

  it("changes a password better-auth verifies, and signs the user out when asked", async () => {
    const user = await createUser(db, { email: "p@example.com", name: "p", password: "first-pass", role: "viewer" });
    await db.session.create({ data: { id: "s1", token: "tok-s1", userId: user.id, expiresAt: new Date(Date.now() + 60_000) } });
    const kept = await createApiToken(db, { userId: user.id, name: "kept", role: "viewer" });
    // Changing one's own password (no endSessions) keeps one's tokens.
    await updateUser(db, user.id, { password: "own-change" });
    expect(await findUserByApiToken(db, kept.token)).not.toBeNull();
    // An admin's reset signs them out everywhere: sessions deleted, every API token revoked.
    const minted = await createApiToken(db, { userId: user.id, name: "minted with the old password", role: "viewer" });
    await updateUser(db, user.id, { password: "second-pass", endSessions: true });
    const account = await db.account.findFirstOrThrow({ where: { userId: user.id, providerId: "credential" } });
    expect(await verifyPassword({ hash: account.password!, password: "second-pass" })).toBe(true);
    expect(await verifyPassword({ hash: account.password!, password: "first-pass" })).toBe(false);
    expect(await db.session.count({ where: { userId: user.id } })).toBe(0);
    expect(await findUserByApiToken(db, kept.token)).toBeNull();
    expect(await findUserByApiToken(db, minted.token)).toBeNull();
    expect(await db.apiToken.count({ where: { userId: user.id, revokedAt: null } })).toBe(0);
  });
});

/** A database of its own, for a test that needs to know every admin in it. */
async function freshDb(label: string) {
  const own = await createTestDatabase(label);
  return { tdb: own, db: createPrisma(own.url, 4) };
}

describe("connections", () => {
  it("keeps secrets sealed and leaves blank secrets unchanged on update", async () => {
    const conn = await createConnection(db, {
      platform: "guanyi",
      name: "demo",
      baseUrl: "http://127.0.0.1:4010/rest/erp_open",
      settings: { appkey: "112194" },
      secrets: { secret: "7d3330562019420da7f3098aa630556b", sessionkey: "754a" },
    });
    const raw = await db.$queryRaw<{ row: string }[]>`SELECT row_to_json(c)::text AS row FROM connections c WHERE id = ${conn.id}::uuid`;
    expect(raw[0]!.row).not.toContain("7d3330562019420da7f3098aa630556b");
    const updated = await updateConnection(db, conn.id, { name: "renamed", secrets: { secret: "", sessionkey: "new" } });
    expect(updated.name).toBe("renamed");
    expect(connectionCredentials(updated)).toEqual({
      appkey: "112194",
      secret: "7d3330562019420da7f3098aa630556b",
      sessionkey: "new",
    });
  });

  it("keeps no stored secret beside a new base URL, and writes nothing over a base URL changed since the caller read it (session 25)", async () => {
    const conn = await createConnection(db, {
      platform: "kingdee",
      name: "金蝶",
      baseUrl: "http://127.0.0.1:4020/k3cloud/",
      settings: { acctID: "1", authType: "password" },
      secrets: { password: "pw-for-4020" },
    });
    // The same address spelled otherwise (scheme case): not a move.
    const same = await updateConnection(db, conn.id, { baseUrl: "HTTP://127.0.0.1:4020/k3cloud/", secrets: { password: "" } });
    expect(storedSecrets(same)).toEqual({ password: "pw-for-4020" });
    // Moved, whatever the caller merged in: only the secrets typed now are kept.
    const moved = await updateConnection(db, conn.id, { baseUrl: "http://127.0.0.2:4020/k3cloud/", secrets: { appSecret: "typed-for-new" } });
    expect(storedSecrets(moved)).toEqual({ appSecret: "typed-for-new" });
    const movedBare = await updateConnection(db, conn.id, { baseUrl: "http://127.0.0.3:4020/k3cloud/", secrets: {} });
    expect(storedSecrets(movedBare)).toEqual({});
    // A caller that read the row at another address: refused, nothing written.
    await expect(
      updateConnection(db, conn.id, { name: "改名", readBaseUrl: "http://127.0.0.1:4020/k3cloud/", secrets: { password: "pw-for-4020" } }),
    ).rejects.toBeInstanceOf(ConnectionChangedError);
    const row = (await getConnection(db, conn.id))!;
    expect({ name: row.name, secrets: storedSecrets(row) }).toEqual({ name: "金蝶", secrets: {} });
  });

  it("lists, finds and deletes connections, naming them without their credentials", async () => {
    const made = await createConnection(db, { platform: "kingdee", name: "金蝶", baseUrl: "http://127.0.0.1:4020/k3cloud", settings: { acctID: "1" }, secrets: { password: "pw" } });
    expect((await listConnections(db)).map((c) => c.id)).toContain(made.id);
    expect(await getConnection(db, made.id)).toMatchObject({ id: made.id, secretCiphertext: made.secretCiphertext });
    expect((await findConnectionsById(db, [made.id, "00000000-0000-4000-8000-00000000dead"])).map((c) => c.id)).toEqual([made.id]);
    expect(await listConnectionRefs(db, [made.id])).toEqual([{ id: made.id, platform: "kingdee", name: "金蝶" }]);
    expect(await listConnectionRefs(db, [])).toEqual([]);
    expect((await listConnectionRefs(db)).map((c) => c.id)).toContain(made.id);

    await deleteConnection(db, made.id);
    expect(await getConnection(db, made.id)).toBeNull();
  });
});
