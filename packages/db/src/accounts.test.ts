import { verifyPassword } from "better-auth/crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken, ensureAdminUser, findUserByApiToken, hashApiToken } from "./accounts";
import { createPrisma, type Db } from "./client";
import { createConnection, connectionCredentials, updateConnection } from "./connections";
import { createTestDatabase, type TestDatabase } from "./testing";

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

describe("accounts", () => {
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
    const { token, row } = await createApiToken(db, user.id, "ci");
    expect(token.startsWith("qiao_")).toBe(true);
    expect(row.tokenHash).toBe(hashApiToken(token));
    expect(JSON.stringify(row)).not.toContain(token);
    expect((await findUserByApiToken(db, token))?.id).toBe(user.id);
    expect(await findUserByApiToken(db, token + "x")).toBeNull();
    await db.apiToken.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
    expect(await findUserByApiToken(db, token)).toBeNull();
  });
});

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
});
