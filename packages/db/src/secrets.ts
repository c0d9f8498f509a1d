// Connection secrets at rest: AES-256-GCM, one random IV per seal, the key id stored beside the
// ciphertext. QIAO_SECRET_KEYS lists every key still needed for decryption ("id:base64,id:base64");
// QIAO_SECRET_KEY_ID (default: the first listed) is the one new secrets are sealed with.
// Rotation: add the new key in front, keep the old one listed, run `npm run secrets:rotate`.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { config } from "./config";

export interface SealedSecret {
  ciphertext: string;
  keyId: string;
}

export class SecretKeyError extends Error {
  override name = "SecretKeyError";
}

export interface Keyring {
  activeId: string;
  keys: Map<string, Buffer>;
}

export function parseKeyring(list: string, activeId?: string): Keyring {
  const keys = new Map<string, Buffer>();
  for (const entry of list.split(",").map((s) => s.trim()).filter(Boolean)) {
    const sep = entry.indexOf(":");
    if (sep <= 0) throw new SecretKeyError(`QIAO_SECRET_KEYS entry must be "id:base64key", got "${entry.slice(0, 8)}…"`);
    const id = entry.slice(0, sep);
    const key = Buffer.from(entry.slice(sep + 1), "base64");
    if (key.length !== 32) throw new SecretKeyError(`QIAO_SECRET_KEYS key "${id}" must be 32 bytes (base64), got ${key.length}`);
    keys.set(id, key);
  }
  const first = keys.keys().next().value;
  const active = activeId ?? first;
  if (!active || !keys.has(active)) throw new SecretKeyError(`QIAO_SECRET_KEY_ID "${active ?? ""}" is not in QIAO_SECRET_KEYS`);
  return { activeId: active, keys };
}

export function keyring(): Keyring {
  const c = config();
  return parseKeyring(c.QIAO_SECRET_KEYS, c.QIAO_SECRET_KEY_ID);
}

export function seal(secret: Record<string, unknown>, ring: Keyring = keyring()): SealedSecret {
  const key = ring.keys.get(ring.activeId)!;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(ring.activeId));
  const body = Buffer.concat([cipher.update(JSON.stringify(secret), "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return { ciphertext: `v1.${iv.toString("base64")}.${tag.toString("base64")}.${body.toString("base64")}`, keyId: ring.activeId };
}

export function unseal(sealed: SealedSecret, ring: Keyring = keyring()): Record<string, unknown> {
  const key = ring.keys.get(sealed.keyId);
  if (!key) throw new SecretKeyError(`The key "${sealed.keyId}" that sealed this secret is not in QIAO_SECRET_KEYS`);
  const [version, iv, tag, body] = sealed.ciphertext.split(".");
  if (version !== "v1" || !iv || !tag || body === undefined) throw new SecretKeyError("Unrecognised secret format");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
  decipher.setAAD(Buffer.from(sealed.keyId));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  const text = Buffer.concat([decipher.update(Buffer.from(body, "base64")), decipher.final()]).toString("utf8");
  return JSON.parse(text) as Record<string, unknown>;
}
