// Connection secrets at rest: AES-256-GCM, one random IV per seal, the key id stored beside the
// ciphertext. The additional data binds the key id and the connection's id (format v2): a
// ciphertext copied into another connection's row does not open there. v1 (key id only) still
// opens; `npm run secrets:rotate` re-seals it as v2. QIAO_SECRET_KEYS lists every key still needed for decryption ("id:base64,id:base64");
// QIAO_SECRET_KEY_ID (default: the first listed) is the one new secrets are sealed with.
// Rotation: add the new key in front, keep the old one listed, run `npm run secrets:rotate`.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { config } from "./config";

export interface SealedSecret {
  ciphertext: string;
  keyId: string;
}

/** A secret that cannot be opened: its key is not configured, or it was altered or belongs to another connection. */
export class SecretKeyError extends Error {
  override name = "SecretKeyError";
}

export interface Keyring {
  activeId: string;
  keys: Map<string, Buffer>;
}

export function parseKeyring(list: string, activeId?: string): Keyring {
  const keys = new Map<string, Buffer>();
  // A refusal names an entry by its position, never by its text: a key pasted without its id (or
  // with the colon misplaced) would otherwise be quoted into the logs that print the error.
  for (const [i, entry] of list.split(",").map((s) => s.trim()).filter(Boolean).entries()) {
    const sep = entry.indexOf(":");
    if (sep <= 0) throw new SecretKeyError(`QIAO_SECRET_KEYS entry ${i + 1} must be "id:base64key" (no id before a ":")`);
    const id = entry.slice(0, sep);
    const key = Buffer.from(entry.slice(sep + 1), "base64");
    if (key.length !== 32) throw new SecretKeyError(`QIAO_SECRET_KEYS entry ${i + 1} must hold a key of 32 bytes (base64) after its id, got ${key.length}`);
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

const CURRENT_FORMAT = "v2";

function additionalData(version: string, keyId: string, connectionId: string): Buffer {
  return Buffer.from(version === "v1" ? keyId : `${keyId}:${connectionId}`);
}

/** Seals the secrets of connection `connectionId` with the active key (format v2). */
export function seal(secret: Record<string, unknown>, connectionId: string, ring: Keyring = keyring()): SealedSecret {
  const key = ring.keys.get(ring.activeId)!;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(additionalData(CURRENT_FORMAT, ring.activeId, connectionId));
  const body = Buffer.concat([cipher.update(JSON.stringify(secret), "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return { ciphertext: `${CURRENT_FORMAT}.${iv.toString("base64")}.${tag.toString("base64")}.${body.toString("base64")}`, keyId: ring.activeId };
}

export function unseal(sealed: SealedSecret, connectionId: string, ring: Keyring = keyring()): Record<string, unknown> {
  const key = ring.keys.get(sealed.keyId);
  if (!key) throw new SecretKeyError(`The key "${sealed.keyId}" that sealed this secret is not in QIAO_SECRET_KEYS`);
  const [version, iv, tag, body] = sealed.ciphertext.split(".");
  if ((version !== "v1" && version !== "v2") || !iv || !tag || body === undefined) throw new SecretKeyError("Unrecognised secret format");
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
  decipher.setAAD(additionalData(version, sealed.keyId, connectionId));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  let text: string;
  try {
    text = Buffer.concat([decipher.update(Buffer.from(body, "base64")), decipher.final()]).toString("utf8");
  } catch {
    throw new SecretKeyError(`The secret does not open with key "${sealed.keyId}": it was altered or belongs to another connection`);
  }
  return JSON.parse(text) as Record<string, unknown>;
}

/** Sealed with the active key in the current format: nothing for rotation to do. */
export function isSealedCurrently(sealed: SealedSecret, ring: Keyring = keyring()): boolean {
  return sealed.keyId === ring.activeId && sealed.ciphertext.startsWith(`${CURRENT_FORMAT}.`);
}
