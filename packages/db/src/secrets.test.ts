import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseKeyring, seal, SecretKeyError, unseal } from "./secrets";

const key = () => randomBytes(32).toString("base64");

describe("secrets", () => {
  it("seals with the active key and unseals", () => {
    const ring = parseKeyring(`k1:${key()}`);
    const sealed = seal({ secret: "7d3330562019420da7f3098aa630556b" }, ring);
    expect(sealed.keyId).toBe("k1");
    expect(sealed.ciphertext).not.toContain("7d3330562019420da7f3098aa630556b");
    expect(unseal(sealed, ring)).toEqual({ secret: "7d3330562019420da7f3098aa630556b" });
  });

  it("uses a fresh IV each time", () => {
    const ring = parseKeyring(`k1:${key()}`);
    expect(seal({ a: 1 }, ring).ciphertext).not.toBe(seal({ a: 1 }, ring).ciphertext);
  });

  it("keeps old keys for decryption after rotation", () => {
    const oldKey = key();
    const before = parseKeyring(`old:${oldKey}`);
    const sealed = seal({ password: "888888" }, before);
    const after = parseKeyring(`new:${key()},old:${oldKey}`);
    expect(after.activeId).toBe("new");
    expect(unseal(sealed, after)).toEqual({ password: "888888" });
    expect(seal({ password: "888888" }, after).keyId).toBe("new");
  });

  it("refuses tampered ciphertext and unknown keys", () => {
    const ring = parseKeyring(`k1:${key()}`);
    const sealed = seal({ a: "b" }, ring);
    const parts = sealed.ciphertext.split(".");
    const body = Buffer.from(parts[3]!, "base64");
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString("base64");
    expect(() => unseal({ ...sealed, ciphertext: parts.join(".") }, ring)).toThrow();
    expect(() => unseal({ ...sealed, keyId: "k2" }, ring)).toThrow(SecretKeyError);
  });

  it("rejects malformed key lists with a clear message", () => {
    expect(() => parseKeyring("nocolon")).toThrow(/id:base64key/);
    expect(() => parseKeyring("k1:c2hvcnQ=")).toThrow(/32 bytes/);
    expect(() => parseKeyring(`k1:${key()}`, "k9")).toThrow(/not in QIAO_SECRET_KEYS/);
  });
});
