// Issue 7: connection secrets at rest. Read back with SQL, no table of the database holds a secret
// value in clear, only `v3.iv.tag.body.where` ciphertext with its key id, bound to its row and its base URL; rotating to a new key (the old
// one kept for decryption) re-seals every connection, after which the old key can be dropped.
import { createCipheriv, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "./client";
import { config } from "./config";
import { connectionBinding, connectionCredentials, createConnection, rotateConnectionSecrets, storedSecrets, updateConnection } from "./connections";
import { keyring, parseKeyring, SecretKeyError, unseal } from "./secrets";
import { createTestDatabase, type TestDatabase } from "./testing";

// Distinctive values, so a match can only be a leak.
const GUANYI = { secret: "s3cr3t-guanyi-4f1c9e2b7a5d", sessionkey: "sess-guanyi-8b2e6d0a9c3f" };
const KINGDEE = { password: "pw-kingdee-Zq7!x9#Lm2", appSecret: "app-secret-kingdee-71c0e5" };
const SECRETS = [...Object.values(GUANYI), ...Object.values(KINGDEE)];
const CIPHERTEXT = /^v3\.[A-Za-z0-9+/]+=*\.[A-Za-z0-9+/]+=*\.[A-Za-z0-9+/]+=*\.[A-Za-z0-9+/]{16}$/;

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("secrets");
  db = createPrisma(tdb.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

/** Every row of every table of the database, as text. */
async function wholeDatabase(): Promise<string> {
  const tables = await db.$queryRaw<{ name: string }[]>`
    SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`;
  const parts: string[] = [];
  for (const { name } of tables) {
    const rows = await db.$queryRawUnsafe<{ row: string }[]>(`SELECT row_to_json(t)::text AS row FROM ${name} t`);
    parts.push(...rows.map((r) => r.row));
  }
  return parts.join("\n");
}

async function connectionRows() {
  return db.$queryRaw<{ id: string; base_url: string; settings: string; secret_ciphertext: string; secret_key_id: string }[]>`
    SELECT id::text, base_url, settings::text, secret_ciphertext, secret_key_id FROM connections ORDER BY created_at`;
}

describe("secrets at rest", () => {
  it("the connections table (and every other table) holds only ciphertext of the secret fields", async () => {
    await createConnection(db, { platform: "guanyi", name: "管易云", baseUrl: "http://127.0.0.1:1/rest/erp_open", settings: { appkey: "112194" }, secrets: GUANYI });
    const kd = await createConnection(db, {
      platform: "kingdee",
      name: "金蝶",
      baseUrl: "http://127.0.0.1:1/k3cloud/",
      settings: { authType: "password", acctId: "qiao-demo", username: "administrator" },
      secrets: KINGDEE,
    });
    await updateConnection(db, kd.id, { secrets: { password: `${KINGDEE.password}-changed` } });

    const everything = await wholeDatabase();
    for (const secret of [...SECRETS, `${KINGDEE.password}-changed`]) expect(everything).not.toContain(secret);
    for (const row of await connectionRows()) {
      expect(row.secret_ciphertext).toMatch(CIPHERTEXT);
      expect(row.secret_key_id).toBe(keyring().activeId);
      expect(Object.keys(JSON.parse(row.settings) as object)).not.toEqual(expect.arrayContaining(["secret", "sessionkey", "password", "appSecret"]));
    }
    // The application still reads them back.
    expect(connectionCredentials(await db.connection.findUniqueOrThrow({ where: { id: kd.id } }))).toMatchObject({ password: `${KINGDEE.password}-changed` });
  });

  it("a ciphertext copied into another connection's row does not open there", async () => {
    const input = { platform: "kingdee", baseUrl: "http://127.0.0.1:1/k3cloud/", settings: {} };
    const a = await createConnection(db, { ...input, name: "a", secrets: { password: "pw-of-a" } });
    const b = await createConnection(db, { ...input, name: "b", secrets: { password: "pw-of-b" } });
    await db.$executeRaw`UPDATE connections SET secret_ciphertext = ${a.secretCiphertext}, secret_key_id = ${a.secretKeyId} WHERE id = ${b.id}::uuid`;
    const copied = await db.connection.findUniqueOrThrow({ where: { id: b.id } });
    expect(() => connectionCredentials(copied)).toThrow(SecretKeyError);
    expect(storedSecrets(copied)).toBeUndefined();
    expect(storedSecrets(a)).toEqual({ password: "pw-of-a" });
    // Typing the secrets again replaces what cannot be opened.
    const fixed = await updateConnection(db, b.id, { secrets: { password: "typed-again" } });
    expect(connectionCredentials(fixed)).toEqual({ password: "typed-again" });
    await db.connection.deleteMany({ where: { id: { in: [a.id, b.id] } } });
  });

  it("a v1 ciphertext (key id only as additional data) still opens, and rotation re-seals it as v3", async () => {
    const ring = keyring();
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", ring.keys.get(ring.activeId)!, iv);
    cipher.setAAD(Buffer.from(ring.activeId));
    const body = Buffer.concat([cipher.update(JSON.stringify({ secret: "legacy-v1-secret" }), "utf8"), cipher.final()]);
    const v1 = `v1.${iv.toString("base64")}.${cipher.getAuthTag().toString("base64")}.${body.toString("base64")}`;
    const row = await createConnection(db, { platform: "guanyi", name: "v1", baseUrl: "http://127.0.0.1:1/", settings: {}, secrets: {} });
    await db.connection.update({ where: { id: row.id }, data: { secretCiphertext: v1, secretKeyId: ring.activeId } });
    const legacy = await db.connection.findUniqueOrThrow({ where: { id: row.id } });
    expect(connectionCredentials(legacy)).toEqual({ secret: "legacy-v1-secret" });

    expect(await rotateConnectionSecrets(db, ring)).toBeGreaterThanOrEqual(1);
    const resealed = await db.connection.findUniqueOrThrow({ where: { id: row.id } });
    expect(resealed.secretCiphertext).toMatch(CIPHERTEXT);
    expect(connectionCredentials(resealed)).toEqual({ secret: "legacy-v1-secret" });
    await db.connection.delete({ where: { id: row.id } });
  });

  it("rotation with two keyrings: new key first, old key kept → every connection re-sealed; then the old key can go", async () => {
    const before = await connectionRows();
    const plain = new Map((await db.connection.findMany()).map((c) => [c.id, connectionCredentials(c)]));
    expect(before.length).toBeGreaterThanOrEqual(2);

    // The operator's new QIAO_SECRET_KEYS: "new:<key>,<the old list>".
    const newKey = `new:${randomBytes(32).toString("base64")}`;
    const rotating = parseKeyring(`${newKey},${config().QIAO_SECRET_KEYS}`);
    expect(rotating.activeId).toBe("new");
    expect(await rotateConnectionSecrets(db, rotating)).toBe(before.length);

    const after = await connectionRows();
    for (const row of after) {
      expect(row.secret_key_id).toBe("new");
      expect(row.secret_ciphertext).toMatch(CIPHERTEXT);
      expect(row.secret_ciphertext).not.toBe(before.find((b) => b.id === row.id)!.secret_ciphertext);
    }
    const everything = await wholeDatabase();
    for (const secret of SECRETS) expect(everything).not.toContain(secret);

    // Only the new key is needed from now on; the old one alone no longer opens anything.
    const onlyNew = parseKeyring(newKey);
    const onlyOld = keyring();
    for (const row of after) {
      const sealed = { ciphertext: row.secret_ciphertext, keyId: row.secret_key_id };
      const settings = JSON.parse(row.settings) as Record<string, unknown>;
      const binding = connectionBinding({ id: row.id, baseUrl: row.base_url });
      expect({ ...settings, ...unseal(sealed, binding, onlyNew) }).toEqual(plain.get(row.id));
      expect(() => unseal(sealed, binding, onlyOld)).toThrow(SecretKeyError);
    }

    // Running it again changes nothing; rotating without the key that sealed them refuses, naming it.
    expect(await rotateConnectionSecrets(db, rotating)).toBe(0);
    const forgotten = parseKeyring(`newer:${randomBytes(32).toString("base64")}`);
    await expect(rotateConnectionSecrets(db, forgotten)).rejects.toThrow(/"new".*not in QIAO_SECRET_KEYS/);
    expect((await connectionRows()).map((r) => r.secret_key_id)).toEqual(after.map(() => "new"));
  });
});
