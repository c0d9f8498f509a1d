import { createCipheriv, randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseKeyring, seal, SecretKeyError, unseal, type SecretBinding } from "./secrets";

const key = () => randomBytes(32).toString("base64");
const ID: SecretBinding = { owner: "connection", id: randomUUID(), address: "http://127.0.0.1:9/k3cloud/" };

describe("secrets", () => {
  it("seals with the active key and unseals", () => {
    const ring = parseKeyring(`k1:${key()}`);
    const sealed = seal({ secret: "7d3330562019420da7f3098aa630556b" }, ID, ring);
    expect(sealed.keyId).toBe("k1");
    expect(sealed.ciphertext).not.toContain("7d3330562019420da7f3098aa630556b");
    expect(unseal(sealed, ID, ring)).toEqual({ secret: "7d3330562019420da7f3098aa630556b" });
  });

  it("uses a fresh IV each time", () => {
    const ring = parseKeyring(`k1:${key()}`);
    expect(seal({ a: 1 }, ID, ring).ciphertext).not.toBe(seal({ a: 1 }, ID, ring).ciphertext);
  });

  it("keeps old keys for decryption after rotation", () => {
    const oldKey = key();
    const before = parseKeyring(`old:${oldKey}`);
    const sealed = seal({ password: "888888" }, ID, before);
    const after = parseKeyring(`new:${key()},old:${oldKey}`);
    expect(after.activeId).toBe("new");
    expect(unseal(sealed, ID, after)).toEqual({ password: "888888" });
    expect(seal({ password: "888888" }, ID, after).keyId).toBe("new");
  });

  it("refuses tampered ciphertext and unknown keys", () => {
    const ring = parseKeyring(`k1:${key()}`);
    const sealed = seal({ a: "b" }, ID, ring);
    const parts = sealed.ciphertext.split(".");
    const body = Buffer.from(parts[3]!, "base64");
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString("base64");
    expect(() => unseal({ ...sealed, ciphertext: parts.join(".") }, ID, ring)).toThrow();
    expect(() => unseal({ ...sealed, keyId: "k2" }, ID, ring)).toThrow(SecretKeyError);
  });

  it("binds the connection id: a ciphertext copied to another connection does not open there", () => {
    const ring = parseKeyring(`k1:${key()}`);
    const sealed = seal({ password: "888888" }, ID, ring);
    expect(sealed.ciphertext.startsWith("v3.")).toBe(true);
    expect(() => unseal(sealed, { ...ID, id: randomUUID() }, ring)).toThrow(/belongs to another connection/);
  });

  it("still opens v1 ciphertext (the key id alone as additional data), for any connection id", () => {
    const ring = parseKeyring(`k1:${key()}`);
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", ring.keys.get("k1")!, iv);
    cipher.setAAD(Buffer.from("k1"));
    const body = Buffer.concat([cipher.update(JSON.stringify({ secret: "legacy" }), "utf8"), cipher.final()]);
    const v1 = { ciphertext: `v1.${iv.toString("base64")}.${cipher.getAuthTag().toString("base64")}.${body.toString("base64")}`, keyId: "k1" };
    expect(unseal(v1, ID, ring)).toEqual({ secret: "legacy" });
    expect(unseal(v1, { ...ID, id: randomUUID() }, ring)).toEqual({ secret: "legacy" });
  });

  it("binds the address (v3): another address is refused as such, a changed row as altered", () => {
    const ring = parseKeyring(`k1:${key()}`);
    const sealed = seal({ password: "888888" }, ID, ring);
    expect(sealed.ciphertext.split(".")).toHaveLength(5);
    const moved = () => unseal(sealed, { ...ID, address: "http://127.0.0.2:9/k3cloud/" }, ring);
    expect(moved).toThrow(SecretKeyError);
    expect(moved).toThrow(expect.objectContaining({ reason: "address_changed", message: expect.stringMatching(/another address than the connection's/) }));
    expect(() => unseal(sealed, { ...ID, owner: "alert-channel" }, ring)).toThrow(expect.objectContaining({ reason: "altered" }));
    // Copied into another row at another address: another row's, not a moved one.
    expect(() => unseal(sealed, { ...ID, id: randomUUID(), address: "http://127.0.0.2:9/k3cloud/" }, ring)).toThrow(expect.objectContaining({ reason: "altered" }));
    // The digest after the body only names the reason: changed, it does not make the secret open.
    const relabelled = `${sealed.ciphertext.slice(0, sealed.ciphertext.lastIndexOf(".") + 1)}AAAAAAAAAAAAAAAA`;
    expect(unseal({ ...sealed, ciphertext: relabelled }, ID, ring)).toEqual({ password: "888888" });
    expect(() => unseal({ ...sealed, ciphertext: relabelled }, { ...ID, address: "http://127.0.0.2:9/k3cloud/" }, ring)).toThrow(SecretKeyError);
    // Not a ciphertext of ours: v3 without its digest, v2 with one, anything else.
    for (const bad of [sealed.ciphertext.slice(0, sealed.ciphertext.lastIndexOf(".")), `v2.${sealed.ciphertext.slice(3)}`, "x", `v4.${sealed.ciphertext.slice(3)}`]) {
      expect(() => unseal({ ...sealed, ciphertext: bad }, ID, ring)).toThrow(expect.objectContaining({ reason: "format" }));
    }
  });

  it("seals with another key of the ring when asked (a format upgrade keeps the row's key)", () => {
    const ring = parseKeyring(`k2:${key()},k1:${key()}`);
    const sealed = seal({ a: 1 }, ID, ring, "k1");
    expect(sealed.keyId).toBe("k1");
    expect(unseal(sealed, ID, ring)).toEqual({ a: 1 });
    expect(() => seal({ a: 1 }, ID, ring, "k9")).toThrow(expect.objectContaining({ reason: "key_missing" }));
  });

  it("opens a v2 alert channel secret (`<key id>:alert-channel:<id>`), never a v1 one in an alert channel", () => {
    const ring = parseKeyring(`k1:${key()}`);
    const legacy = (aad: string) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", ring.keys.get("k1")!, iv);
      cipher.setAAD(Buffer.from(aad));
      const body = Buffer.concat([cipher.update(JSON.stringify({ password: "smtp" }), "utf8"), cipher.final()]);
      return (v: string) => ({ ciphertext: `${v}.${iv.toString("base64")}.${cipher.getAuthTag().toString("base64")}.${body.toString("base64")}`, keyId: "k1" });
    };
    const channel: SecretBinding = { owner: "alert-channel", id: ID.id, address: "email:[]" };
    expect(unseal(legacy(`k1:alert-channel:${ID.id}`)("v2"), channel, ring)).toEqual({ password: "smtp" });
    expect(() => unseal(legacy("k1")("v1"), channel, ring)).toThrow(/v1 format/);
    expect(unseal(legacy("k1")("v1"), ID, ring)).toEqual({ password: "smtp" });
  });

  it("rejects malformed key lists with a clear message", () => {
    expect(() => parseKeyring("nocolon")).toThrow(/id:base64key/);
    expect(() => parseKeyring("k1:c2hvcnQ=")).toThrow(/32 bytes/);
    expect(() => parseKeyring(`k1:${key()}`, "k9")).toThrow(/not in QIAO_SECRET_KEYS/);
  });
});

// Session 33's audit: a key pasted without its id (as `openssl rand -base64 32` prints it) was
// refused with an error quoting its first 8 characters, which the web's and secrets:rotate's logs print.
describe("a malformed QIAO_SECRET_KEYS is refused without quoting a key", () => {
  const refusal = (list: string): string => {
    try {
      parseKeyring(list);
    } catch (error) {
      expect(error).toBeInstanceOf(SecretKeyError);
      return (error as Error).message;
    }
    throw new Error("the key list was accepted");
  };

  it("names a key without its id by its position", () => {
    const key = randomBytes(32).toString("base64");
    const alone = refusal(key);
    expect(alone).not.toContain(key.slice(0, 8));
    expect(alone).toContain("entry 1");
    // The old key of a rotation, its id forgotten, behind a well-formed new one.
    const old = randomBytes(32).toString("base64");
    const rotation = refusal(`k2027:${randomBytes(32).toString("base64")},${old}`);
    expect(rotation).not.toContain(old.slice(0, 8));
    expect(rotation).toContain("entry 2");
    // A key with the colon after it: what stands before the colon is the key, not an id.
    const misplaced = randomBytes(32).toString("base64");
    expect(refusal(`${misplaced}:`)).not.toContain(misplaced.slice(0, 8));
  });
});
