// "Secrets are sent only to the address they were saved for", below the API (session 35, from the
// audit's finding 3): the sealed secrets' additional data binds the row *and* the address (format
// v3: a connection's base URL, an email channel's SMTP host, port, TLS mode and user), so a row
// pointed elsewhere behind the API (one UPDATE, a restored backup mixing rows, a migration) no longer
// opens its secrets, and says why. Nothing is sent here: only sealing and opening.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, type Db } from "./client";
import { connectionCredentials, createConnection, getConnection, openStoredSecrets, storedSecrets, updateConnection } from "./connections";
import { alertChannelSecrets, createAlertChannel, getAlertChannel, openAlertChannelSecrets, updateAlertChannel } from "./repositories/alert-channels";
import { SecretKeyError } from "./secrets";
import { createTestDatabase, type TestDatabase } from "./testing";

const PASSWORD = "pw-kingdee-bound-9c41e7";
const SAVED_URL = "http://127.0.0.1:9/k3cloud/";
const OTHER_URL = "http://127.0.0.2:9/k3cloud/";
const SMTP = { host: "127.0.0.1", port: 465, secure: true, user: "alerts", from: "a@example.test", to: ["b@example.test"] };

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("secretsbound");
  db = createPrisma(tdb.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

const kingdee = (baseUrl = SAVED_URL) =>
  createConnection(db, { platform: "kingdee", name: "金蝶", baseUrl, settings: { authType: "password", acctId: "dc1", username: "administrator" }, secrets: { password: PASSWORD } });

async function pointConnectionAt(id: string, baseUrl: string) {
  await db.$executeRaw`UPDATE connections SET base_url = ${baseUrl} WHERE id = ${id}::uuid`;
  return (await getConnection(db, id))!;
}

function thrown(fn: () => unknown): SecretKeyError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SecretKeyError);
    return error as SecretKeyError;
  }
  throw new Error("it opened");
}

describe("a connection's secrets open only beside the base URL they were saved for", () => {
  it("a connection whose base_url was changed outside updateConnection does not open its secrets, and says its address changed", async () => {
    const row = await kingdee();
    const moved = await pointConnectionAt(row.id, OTHER_URL);
    expect(moved.baseUrl).toBe(OTHER_URL);
    expect(storedSecrets(moved), `the password saved for ${SAVED_URL} opens for ${OTHER_URL}`).toBeUndefined();
    const error = thrown(() => connectionCredentials(moved));
    expect(error.reason).toBe("address_changed");
    expect(error.message).toMatch(/address changed/);
    expect(error.message).not.toContain(PASSWORD);
    expect(openStoredSecrets(moved)).toEqual({ unreadable: error });
    // Pointed back, they open again: nothing was lost, only withheld.
    expect(storedSecrets(await pointConnectionAt(row.id, SAVED_URL))).toEqual({ password: PASSWORD });
  });

  it("a path, a port or a scheme is another address; the same URL written another way (case, default port) is not", async () => {
    const row = await kingdee();
    for (const other of ["http://127.0.0.1:9/other/", "http://127.0.0.1:10/k3cloud/", "https://127.0.0.1:9/k3cloud/", "http://127.0.0.1:9/k3cloud/?x=1"]) {
      expect(storedSecrets(await pointConnectionAt(row.id, other)), other).toBeUndefined();
    }
    const onDefaultPort = await createConnection(db, { platform: "kingdee", name: "k", baseUrl: "http://127.0.0.1/k3cloud/", settings: {}, secrets: { password: PASSWORD } });
    for (const same of ["HTTP://127.0.0.1:80/k3cloud/", "http://127.0.0.1/k3cloud/"]) {
      expect(storedSecrets(await pointConnectionAt(onDefaultPort.id, same)), same).toEqual({ password: PASSWORD });
    }
  });

  it("a copy of another connection's ciphertext at the same address is refused as altered, not as moved", async () => {
    const a = await kingdee();
    const b = await kingdee();
    const copied = { ...b, secretCiphertext: a.secretCiphertext, secretKeyId: a.secretKeyId };
    expect(thrown(() => connectionCredentials(copied)).reason).toBe("altered");
  });

  it("updateConnection's move seals what was typed for the new address, and only there", async () => {
    const row = await kingdee();
    const moved = await updateConnection(db, row.id, { baseUrl: OTHER_URL, secrets: { password: "typed-for-other" } });
    expect(storedSecrets(moved)).toEqual({ password: "typed-for-other" });
    expect(storedSecrets({ ...moved, baseUrl: SAVED_URL })).toBeUndefined();
    // A rename keeps the sealed secrets where they are.
    expect(storedSecrets(await updateConnection(db, row.id, { name: "改名" }))).toEqual({ password: "typed-for-other" });
    // Typing them again on a connection pointed elsewhere behind the API seals them for where it points now.
    const tampered = await pointConnectionAt(row.id, SAVED_URL);
    expect(storedSecrets(tampered)).toBeUndefined();
    expect(storedSecrets(await updateConnection(db, row.id, { secrets: { password: "typed-again" } }))).toEqual({ password: "typed-again" });
  });
});

describe("an email channel's password opens only for the SMTP server it was saved for", () => {
  const emailChannel = () => createAlertChannel(db, { kind: "email", name: "邮件", settings: SMTP, secrets: { password: PASSWORD } });

  it("an email alert channel whose SMTP host was changed outside the API does not open its password", async () => {
    const channel = await emailChannel();
    await db.$executeRaw`UPDATE alert_channels SET settings = jsonb_set(settings, '{host}', '"127.0.0.2"') WHERE id = ${channel.id}::uuid`;
    const moved = (await getAlertChannel(db, channel.id))!;
    expect((moved.settings as { host: string }).host).toBe("127.0.0.2");
    expect(alertChannelSecrets(moved), "the SMTP password saved for 127.0.0.1 opens for 127.0.0.2").toBeUndefined();
    const opened = openAlertChannelSecrets(moved);
    expect("unreadable" in opened && opened.unreadable.reason).toBe("address_changed");
  });

  it("so does a change of port, TLS mode or user; the sender and recipients are not the server", async () => {
    const channel = await emailChannel();
    for (const change of [{ port: 587 }, { secure: false }, { user: "someone-else" }]) {
      expect(alertChannelSecrets({ ...channel, settings: { ...SMTP, ...change } }), JSON.stringify(change)).toBeUndefined();
    }
    expect(alertChannelSecrets({ ...channel, settings: { ...SMTP, from: "c@example.test", to: ["d@example.test"] } })).toEqual({ password: PASSWORD });
  });

  it("updateAlertChannel seals for the server written: a move with the password typed opens there, one without drops it", async () => {
    const channel = await emailChannel();
    const typed = await updateAlertChannel(db, channel.id, { settings: { ...SMTP, port: 587, secure: false }, secrets: { password: "typed-for-587" } });
    expect(alertChannelSecrets(typed!)).toEqual({ password: "typed-for-587" });
    const untyped = await updateAlertChannel(db, channel.id, { settings: { ...SMTP, host: "127.0.0.3" } });
    expect(alertChannelSecrets(untyped!)).toEqual({});
    expect(alertChannelSecrets({ ...untyped!, settings: { ...SMTP, port: 587, secure: false } })).toBeUndefined();
    // Recipients changed: the server stays, so does the password.
    const kept = await updateAlertChannel(db, channel.id, { settings: { ...SMTP, host: "127.0.0.3", to: ["e@example.test"] }, secrets: { password: "p3" } });
    expect(alertChannelSecrets((await updateAlertChannel(db, kept!.id, { settings: { ...SMTP, host: "127.0.0.3", to: ["f@example.test"] } }))!)).toEqual({ password: "p3" });
  });

  it("a webhook's URL is the sealed secret itself: its row and kind bind it, no setting can point it elsewhere", async () => {
    const hook = await createAlertChannel(db, { kind: "webhook", name: "hook", settings: {}, secrets: { url: "http://127.0.0.1:9/hooks/t0k3n", secret: "sign-key" } });
    expect(alertChannelSecrets({ ...hook, settings: { host: "127.0.0.2" } })).toEqual({ url: "http://127.0.0.1:9/hooks/t0k3n", secret: "sign-key" });
    expect(alertChannelSecrets({ ...hook, kind: "dingtalk" })).toBeUndefined();
  });
});
