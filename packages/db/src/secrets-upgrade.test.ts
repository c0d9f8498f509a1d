// Secrets sealed before v3 (v1: the key id alone; v2: the key id and the row) are bound to no
// address. They still open in the rows they were sealed for (v1 never in an alert channel: the
// audit's suspicion 6), and become v3 when a process starts (upgradeSecretFormats, each row under
// the key that sealed it, compare-and-set) and by `npm run secrets:rotate` (to the active key). A
// row whose secrets do not open where they are is left, reported, never blocks the others.
import { createCipheriv, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "./client";
import { config } from "./config";
import { connectionBinding, createConnection, resealConnections, rotateConnectionSecrets, storedSecrets, updateConnection } from "./connections";
import { alertChannelBinding, alertChannelSecrets, createAlertChannel, openAlertChannelSecrets } from "./repositories/alert-channels";
import { keyring, parseKeyring, seal, sealedFormat, unseal, type Keyring, type SecretKeyError } from "./secrets";
import { sealedWithOtherKeys } from "./secrets-in-use";
import { upgradeSecretFormats } from "./secrets-upgrade";
import { createTestDatabase, type TestDatabase } from "./testing";

const URL_A = "http://127.0.0.1:9/k3cloud/";
const SMTP = { host: "127.0.0.1", port: 465, secure: true, user: "alerts", from: "a@example.test", to: ["b@example.test"] };
const OLD_KEY = `old:${randomBytes(32).toString("base64")}`;

let tdb: TestDatabase;
let db: Db;
let ring: Keyring;
beforeAll(async () => {
  tdb = await createTestDatabase("secretsupgrade");
  db = createPrisma(tdb.url, 4);
  // The configured keys, active first, and an older one some rows are still sealed with.
  ring = parseKeyring(`${config().QIAO_SECRET_KEYS},${OLD_KEY}`, keyring().activeId);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

/** A ciphertext as the code before v3 sealed it: v1 (the key id alone) or v2 (`<key id>:<row>`, the row "<id>" or "alert-channel:<id>"). */
function legacy(version: "v1" | "v2", secret: Record<string, unknown>, row: string, keyId = ring.activeId): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", ring.keys.get(keyId)!, iv);
  cipher.setAAD(Buffer.from(version === "v1" ? keyId : `${keyId}:${row}`));
  const body = Buffer.concat([cipher.update(JSON.stringify(secret), "utf8"), cipher.final()]);
  return `${version}.${iv.toString("base64")}.${cipher.getAuthTag().toString("base64")}.${body.toString("base64")}`;
}

async function legacyConnection(version: "v1" | "v2", password: string, keyId = ring.activeId) {
  const row = await createConnection(db, { platform: "kingdee", name: `${version}-${password}`, baseUrl: URL_A, settings: {}, secrets: {} });
  return db.connection.update({ where: { id: row.id }, data: { secretCiphertext: legacy(version, { password }, row.id, keyId), secretKeyId: keyId } });
}

async function legacyChannel(version: "v1" | "v2", password: string, keyId = ring.activeId) {
  const row = await createAlertChannel(db, { kind: "email", name: `${version}-${password}`, settings: SMTP, secrets: {} });
  const ciphertext = legacy(version, { password }, `alert-channel:${row.id}`, keyId);
  return db.alertChannel.update({ where: { id: row.id }, data: { secretCiphertext: ciphertext, secretKeyId: keyId } });
}

const clear = async () => {
  await db.connection.deleteMany();
  await db.alertChannel.deleteMany();
};

describe("secrets sealed before v3", () => {
  it("v1 and v2 still open where they were sealed; v1 never in an alert channel", async () => {
    await clear();
    const v1 = await legacyConnection("v1", "pw-v1");
    const v2 = await legacyConnection("v2", "pw-v2");
    const channel = await legacyChannel("v2", "pw-smtp");
    expect(storedSecrets(v1)).toEqual({ password: "pw-v1" });
    expect(storedSecrets(v2)).toEqual({ password: "pw-v2" });
    expect(alertChannelSecrets(channel)).toEqual({ password: "pw-smtp" });
    // A connection's v1 ciphertext copied into an alert channel's row: not sent as an SMTP password.
    await db.alertChannel.update({ where: { id: channel.id }, data: { secretCiphertext: v1.secretCiphertext, secretKeyId: v1.secretKeyId } });
    const copied = await db.alertChannel.findUniqueOrThrow({ where: { id: channel.id } });
    expect(alertChannelSecrets(copied)).toBeUndefined();
    const opened = openAlertChannelSecrets(copied);
    expect("unreadable" in opened && opened.unreadable).toMatchObject({ reason: "altered", message: expect.stringMatching(/v1 format/) });
    // Nor does one that was (impossibly) sealed in v1 for the channel itself.
    const ownV1 = await legacyChannel("v1", "pw-own-v1");
    expect(alertChannelSecrets(ownV1)).toBeUndefined();
  });

  it("a process's start re-seals them as v3 for the address the row holds, under the key that sealed each; again: nothing to do", async () => {
    await clear();
    const v1 = await legacyConnection("v1", "pw-v1");
    const v2old = await legacyConnection("v2", "pw-v2-old-key", "old");
    const channel = await legacyChannel("v2", "pw-smtp", "old");
    const channelV1 = await legacyChannel("v1", "never-opens");
    const junk = await db.connection.create({ data: { platform: "kingdee", name: "junk", baseUrl: URL_A, secretCiphertext: "x", secretKeyId: "k" } });
    // secrets:rotate counts v2 rows too, not only v1 and other keys, before it says a key may go.
    const counted = async () => (await sealedWithOtherKeys(db, ring)).reduce((n, l) => n + l.rows, 0);
    expect(await counted()).toBe(5);

    expect(await upgradeSecretFormats(db, ring)).toEqual({ connections: 2, alertChannels: 1, unopened: 2 });
    const now = async (id: string) => db.connection.findUniqueOrThrow({ where: { id } });
    for (const [row, password] of [[v1, "pw-v1"], [v2old, "pw-v2-old-key"]] as const) {
      const after = await now(row.id);
      expect(sealedFormat(after.secretCiphertext)).toBe("v3");
      expect(after.secretKeyId).toBe(row.secretKeyId);
      const sealed = { ciphertext: after.secretCiphertext, keyId: after.secretKeyId };
      expect(unseal(sealed, connectionBinding(after), ring)).toEqual({ password });
      // Bound to its address now: pointed elsewhere, it no longer opens.
      expect(() => unseal(sealed, connectionBinding({ ...after, baseUrl: "http://127.0.0.2:9/k3cloud/" }), ring)).toThrow(/address changed/);
    }
    const sealedChannel = await db.alertChannel.findUniqueOrThrow({ where: { id: channel.id } });
    expect({ format: sealedFormat(sealedChannel.secretCiphertext), keyId: sealedChannel.secretKeyId }).toEqual({ format: "v3", keyId: "old" });
    const sealed = { ciphertext: sealedChannel.secretCiphertext, keyId: sealedChannel.secretKeyId };
    expect(unseal(sealed, alertChannelBinding(sealedChannel), ring)).toEqual({ password: "pw-smtp" });
    expect(() => unseal(sealed, alertChannelBinding({ ...sealedChannel, settings: { ...SMTP, host: "127.0.0.2" } }), ring)).toThrow(/address changed/);
    // What does not open is left as it was.
    expect((await db.alertChannel.findUniqueOrThrow({ where: { id: channelV1.id } })).secretCiphertext).toBe(channelV1.secretCiphertext);
    expect((await now(junk.id)).secretCiphertext).toBe("x");

    expect(await upgradeSecretFormats(db, ring)).toEqual({ connections: 0, alertChannels: 0, unopened: 2 });
    // Left to rotate: the two old-key rows (now v3), the two that do not open.
    expect(await counted()).toBe(4);
  });

  it("two processes starting together write each row once, and each row opens", async () => {
    await clear();
    const rows = await Promise.all(Array.from({ length: 12 }, (_, i) => legacyConnection(i % 2 ? "v1" : "v2", `pw-${i}`)));
    const other = createPrisma(tdb.url, 4);
    try {
      const [a, b] = await Promise.all([upgradeSecretFormats(db, ring), upgradeSecretFormats(other, ring)]);
      expect(a.connections + b.connections).toBe(rows.length);
    } finally {
      await other.$disconnect();
    }
    for (const [i, row] of rows.entries()) {
      const after = await db.connection.findUniqueOrThrow({ where: { id: row.id } });
      expect(sealedFormat(after.secretCiphertext)).toBe("v3");
      expect(storedSecrets(after)).toEqual({ password: `pw-${i}` });
    }
  });

  it("an edit that saved new secrets after the re-sealer read the row wins (compare-and-set)", async () => {
    await clear();
    const row = await legacyConnection("v2", "pw-read");
    const read = await db.connection.findMany({ where: { id: row.id } });
    await updateConnection(db, row.id, { secrets: { password: "pw-typed-meanwhile" } });
    expect(await resealConnections(db, read, ring, false)).toBe(0);
    expect(storedSecrets(await db.connection.findUniqueOrThrow({ where: { id: row.id } }))).toEqual({ password: "pw-typed-meanwhile" });
  });

  it("a row pointed elsewhere between the read and the write is sealed for the address read: it does not open at the new one", async () => {
    await clear();
    const row = await legacyConnection("v2", "pw-a");
    const read = await db.connection.findMany({ where: { id: row.id } });
    await db.$executeRaw`UPDATE connections SET base_url = 'http://127.0.0.2:9/k3cloud/' WHERE id = ${row.id}::uuid`;
    expect(await resealConnections(db, read, ring, false)).toBe(1);
    expect(storedSecrets(await db.connection.findUniqueOrThrow({ where: { id: row.id } }))).toBeUndefined();
  });
});

describe("secrets:rotate", () => {
  it("re-seals v1, v2 and old-key rows as v3 with the active key; a row that does not open where it is is reported and skipped, not a stop", async () => {
    await clear();
    const v1 = await legacyConnection("v1", "pw-v1", "old");
    const v2 = await legacyConnection("v2", "pw-v2");
    const moved = await createConnection(db, { platform: "kingdee", name: "moved", baseUrl: URL_A, settings: {}, secrets: { password: "pw-moved" } });
    // Sealed with the old key, for URL_A; then pointed elsewhere behind the API.
    const s = seal({ password: "pw-moved" }, connectionBinding(moved), parseKeyring(OLD_KEY));
    await db.$executeRaw`UPDATE connections SET secret_ciphertext = ${s.ciphertext}, secret_key_id = ${s.keyId}, base_url = 'http://127.0.0.2:9/k3cloud/' WHERE id = ${moved.id}::uuid`;

    const unopened: { id: string; reason: string }[] = [];
    expect(await rotateConnectionSecrets(db, ring, (row, error: SecretKeyError) => unopened.push({ id: row.id, reason: error.reason }))).toBe(2);
    expect(unopened).toEqual([{ id: moved.id, reason: "address_changed" }]);
    for (const [row, password] of [[v1, "pw-v1"], [v2, "pw-v2"]] as const) {
      const after = await db.connection.findUniqueOrThrow({ where: { id: row.id } });
      expect({ format: sealedFormat(after.secretCiphertext), keyId: after.secretKeyId }).toEqual({ format: "v3", keyId: ring.activeId });
      expect(unseal({ ciphertext: after.secretCiphertext, keyId: after.secretKeyId }, connectionBinding(after), parseKeyring(config().QIAO_SECRET_KEYS))).toEqual({ password });
    }
    // The moved row stays on the old key, so it is reported before the key may be removed.
    expect(await sealedWithOtherKeys(db, ring)).toEqual([{ table: "connections", keyId: "old", rows: 1 }]);
    // A key missing from the list still stops it, naming the key.
    await expect(rotateConnectionSecrets(db, parseKeyring(config().QIAO_SECRET_KEYS))).rejects.toThrow(/"old".*not in QIAO_SECRET_KEYS/);
  });
});
