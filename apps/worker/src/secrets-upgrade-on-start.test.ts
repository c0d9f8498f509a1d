// A worker process (src/main.ts, as in production) re-seals, when it starts, the secrets sealed
// before v3 (bound to their row only) as v3, bound to the address each row holds: an operator who
// never runs `npm run secrets:rotate` is protected too (session 35; @qiao/db secrets-upgrade.ts).
// Nothing is sent: the rows point at a loopback port nothing listens on, and no run is requested.
import { createCipheriv, randomBytes } from "node:crypto";
import { alertChannelSecrets, config, createAlertChannel, createConnection, keyring, sealedFormat, storedSecrets } from "@qiao/db";
import { testRedisPrefix } from "@qiao/db/testing";
import { openTestDb, type TestDb } from "@qiao/engine/testing";
import { deleteRedisPrefix } from "@qiao/jobs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { spawnWorker, type WorkerProcess } from "./testing";

let t: TestDb;
let worker: WorkerProcess | undefined;
const prefix = testRedisPrefix("secrets_upgrade");

beforeAll(async () => {
  t = await openTestDb("secrets_upgrade_on_start");
});
afterAll(async () => {
  if (worker && worker.child.exitCode === null) worker.child.kill("SIGKILL");
  await worker?.exited;
  await t?.close();
  await deleteRedisPrefix(config().REDIS_URL, prefix);
});

/** A v2 ciphertext, as the code before v3 sealed it: `<key id>:<row>` as additional data. */
function v2(secret: Record<string, unknown>, row: string): { secretCiphertext: string; secretKeyId: string } {
  const ring = keyring();
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", ring.keys.get(ring.activeId)!, iv);
  cipher.setAAD(Buffer.from(`${ring.activeId}:${row}`));
  const body = Buffer.concat([cipher.update(JSON.stringify(secret), "utf8"), cipher.final()]);
  return { secretCiphertext: `v2.${iv.toString("base64")}.${cipher.getAuthTag().toString("base64")}.${body.toString("base64")}`, secretKeyId: ring.activeId };
}

test("a worker that starts re-seals v2 connection and alert channel secrets as v3, bound to their address", { timeout: 60_000 }, async () => {
  const conn = await createConnection(t.db, { platform: "kingdee", name: "金蝶", baseUrl: "http://127.0.0.1:9/k3cloud/", settings: {}, secrets: {} });
  await t.db.connection.update({ where: { id: conn.id }, data: v2({ password: "pw-v2" }, conn.id) });
  const smtp = { host: "127.0.0.1", port: 9, secure: true, user: "alerts", from: "a@example.test", to: ["b@example.test"] };
  const channel = await createAlertChannel(t.db, { kind: "email", name: "邮件", settings: smtp, secrets: {} });
  await t.db.alertChannel.update({ where: { id: channel.id }, data: v2({ password: "pw-smtp" }, `alert-channel:${channel.id}`) });

  worker = spawnWorker({ DATABASE_URL: t.database.url, REDIS_PREFIX: prefix, LOG_LEVEL: "info" });
  await worker.waitFor("re-sealed as v3", 30_000);
  expect(worker.lines.find((l) => l.includes("re-sealed as v3"))).toMatch(/"connections":1,"alertChannels":1,"unopened":0/);

  const connAfter = await t.db.connection.findUniqueOrThrow({ where: { id: conn.id } });
  expect(sealedFormat(connAfter.secretCiphertext)).toBe("v3");
  expect(storedSecrets(connAfter)).toEqual({ password: "pw-v2" });
  expect(storedSecrets({ ...connAfter, baseUrl: "http://127.0.0.2:9/k3cloud/" })).toBeUndefined();
  const channelAfter = await t.db.alertChannel.findUniqueOrThrow({ where: { id: channel.id } });
  expect(sealedFormat(channelAfter.secretCiphertext)).toBe("v3");
  expect(alertChannelSecrets(channelAfter)).toEqual({ password: "pw-smtp" });
  expect(alertChannelSecrets({ ...channelAfter, settings: { ...smtp, host: "127.0.0.2" } })).toBeUndefined();
  // No secret reaches the log.
  expect(worker.lines.join("\n")).not.toMatch(/pw-v2|pw-smtp/);

  worker.child.kill("SIGTERM");
  expect(await worker.exited).toBe(0);
});
