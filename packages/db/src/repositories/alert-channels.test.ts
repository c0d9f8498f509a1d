// Alert channel secrets at rest: sealed (the robot URL with its token, the 加签 secret, the SMTP
// password never appear in the row), bound to their row, kept when left blank, removable, and
// re-sealed by rotation with the new key while the old one is still listed.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "../client";
import { config } from "../config";
import { MIGRATIONS_DIR } from "../paths";
import { parseKeyring, unseal } from "../secrets";
import { createTestDatabase, type TestDatabase } from "../testing";
import { sealedWithOtherKeys } from "../secrets-in-use";
import { alertChannelBinding, alertChannelSecrets, createAlertChannel, createAlertRule, deleteAlertChannel, rotateAlertChannelSecrets, updateAlertChannel } from "./alert-channels";

let database: TestDatabase;
let db: Db;
beforeAll(async () => {
  database = await createTestDatabase("alert_channels");
  db = createPrisma(database.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.drop();
});

const TOKEN = `tok${randomBytes(8).toString("hex")}`;
const SECRET = `SEC${randomBytes(8).toString("hex")}`;

describe("alert channel secrets", () => {
  it("are sealed, bound to their row, kept when blank and removable", async () => {
    const a = await createAlertChannel(db, { kind: "dingtalk", name: "a", settings: {}, secrets: { url: `https://oapi.dingtalk.com/robot/send?access_token=${TOKEN}`, secret: SECRET } });
    const b = await createAlertChannel(db, { kind: "dingtalk", name: "b", settings: {}, secrets: { url: "https://x.test/" } });
    const raw = JSON.stringify(await db.alertChannel.findUniqueOrThrow({ where: { id: a.id } }));
    expect(raw).not.toContain(TOKEN);
    expect(raw).not.toContain(SECRET);
    expect(alertChannelSecrets(a)).toEqual({ url: expect.stringContaining(TOKEN), secret: SECRET });
    // Copied into another row it does not open there.
    expect(alertChannelSecrets({ ...a, id: b.id })).toBeUndefined();

    const renamed = await updateAlertChannel(db, a.id, { name: "a2", secrets: { url: "", secret: undefined } });
    expect(alertChannelSecrets(renamed!)).toEqual({ url: expect.stringContaining(TOKEN), secret: SECRET });
    const cleared = await updateAlertChannel(db, a.id, { clearSecrets: ["secret"] });
    expect(alertChannelSecrets(cleared!)).toEqual({ url: expect.stringContaining(TOKEN) });
  });

  it("are re-sealed by rotation with the new key, the old one still listed", async () => {
    const rows = await db.alertChannel.findMany();
    const plain = new Map(rows.map((r) => [r.id, alertChannelSecrets(r)]));
    const rotating = parseKeyring(`new:${randomBytes(32).toString("base64")},${config().QIAO_SECRET_KEYS}`);
    expect(await rotateAlertChannelSecrets(db, rotating)).toBe(rows.length);
    for (const row of await db.alertChannel.findMany()) {
      expect(row.secretKeyId).toBe("new");
      expect(unseal({ ciphertext: row.secretCiphertext, keyId: row.secretKeyId }, alertChannelBinding(row), rotating)).toEqual(plain.get(row.id));
    }
    expect(await rotateAlertChannelSecrets(db, rotating)).toBe(0);
  });

  it("a channel still on the old key is reported before the key may be removed (secrets:rotate counted connections only)", async () => {
    const c = await createAlertChannel(db, { kind: "wecom", name: "old-key", settings: {}, secrets: { url: "https://x.test/?key=k" } });
    const oldKey = c.secretKeyId;
    const rotating = parseKeyring(`newer:${randomBytes(32).toString("base64")},${config().QIAO_SECRET_KEYS}`);
    expect(await sealedWithOtherKeys(db, rotating)).toContainEqual({ table: "alert_channels", keyId: oldKey, rows: expect.any(Number) });
    // Once every channel on it is re-sealed, the old key is no longer reported.
    await db.alertChannel.deleteMany({ where: { secretKeyId: { notIn: [oldKey] } } });
    await rotateAlertChannelSecrets(db, rotating);
    expect((await sealedWithOtherKeys(db, rotating)).filter((l) => l.table === "alert_channels")).toEqual([]);
  });

  it("a deleted channel leaves every rule that named it", async () => {
    const c = await createAlertChannel(db, { kind: "wecom", name: "c", settings: {}, secrets: { url: "https://x.test/?key=k" } });
    const keep = await createAlertChannel(db, { kind: "wecom", name: "d", settings: {}, secrets: { url: "https://x.test/?key=k" } });
    const rule = await createAlertRule(db, { name: "r", kind: "run_failed", schemeId: null, threshold: 0, channelIds: [c.id, keep.id] });
    expect(await deleteAlertChannel(db, c.id)).toBe(true);
    expect((await db.alertRule.findUniqueOrThrow({ where: { id: rule.id } })).channelIds).toEqual([keep.id]);
    expect(await deleteAlertChannel(db, c.id)).toBe(false);
  });

  it("rows saved before session 19 get their webhook path masked, in display_url and last_error; robots' paths stay", async () => {
    // What displayUrlOf used to store: scheme, host and the whole path (飞书 puts its token there).
    const hook = `hook${randomBytes(8).toString("hex")}`;
    const rows = [
      { kind: "webhook", shown: `https://open.feishu.cn/open-apis/bot/v2/hook/${hook}`, masked: "https://open.feishu.cn/open-apis/…" },
      { kind: "webhook", shown: `http://127.0.0.1:9/${hook}`, masked: "http://127.0.0.1:9/…" },
      { kind: "webhook", shown: "https://hooks.example.test/", masked: "https://hooks.example.test/" },
      { kind: "dingtalk", shown: "https://oapi.dingtalk.com/robot/send", masked: "https://oapi.dingtalk.com/robot/send" },
      { kind: "wecom", shown: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send", masked: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send" },
    ] as const;
    const ids: string[] = [];
    for (const r of rows) {
      const c = await createAlertChannel(db, { kind: r.kind, name: "old", settings: {}, secrets: { url: `${r.shown}?k=1` }, displayUrl: r.shown });
      await db.alertChannel.update({ where: { id: c.id }, data: { lastError: `Webhook ${r.shown} 应答 HTTP 404（已尝试 3 次）` } });
      ids.push(c.id);
    }
    const sql = readFileSync(join(MIGRATIONS_DIR, "20261214120100_alert_display_url_masked", "migration.sql"), "utf8");
    for (let pass = 0; pass < 2; pass++) {
      await db.$executeRawUnsafe(sql);
      const after = await db.alertChannel.findMany({ where: { id: { in: ids } } });
      for (const [i, r] of rows.entries()) {
        const row = after.find((a) => a.id === ids[i])!;
        expect(row.displayUrl).toBe(r.masked);
        expect(row.lastError).toBe(`Webhook ${r.masked} 应答 HTTP 404（已尝试 3 次）`);
      }
      expect(JSON.stringify(after)).not.toContain(hook);
    }
  });

  it("a negative threshold is refused by the table itself", async () => {
    await expect(createAlertRule(db, { name: "neg", kind: "run_partial", schemeId: null, threshold: -1, channelIds: [] })).rejects.toThrow();
    expect(await db.alertRule.count({ where: { name: "neg" } })).toBe(0);
  });
});
