import { createCipheriv, randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseKeyring, seal, SecretKeyError, unseal } from "./secrets";

const key = () => randomBytes(32).toString("base64");
const ID = randomUUID();

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
    expect(sealed.ciphertext.startsWith("v2.")).toBe(true);
    expect(() => unseal(sealed, randomUUID(), ring)).toThrow(/belongs to another connection/);
  });

  it("still opens v1 ciphertext (the key id alone as additional data), for any connection id", () => {
    const ring = parseKeyring(`k1:${key()}`);
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", ring.keys.get("k1")!, iv);
    cipher.setAAD(Buffer.from("k1"));
    const body = Buffer.concat([cipher.update(JSON.stringify({ secret: "legacy" }), "utf8"), cipher.final()]);
    const v1 = { ciphertext: `v1.${iv.toString("base64")}.${cipher.getAuthTag().toString("base64")}.${body.toString("base64")}`, keyId: "k1" };
    expect(unseal(v1, ID, ring)).toEqual({ secret: "legacy" });
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
